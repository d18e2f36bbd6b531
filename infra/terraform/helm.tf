# In the cluster: ingress-nginx and cert-manager (TLS for the backends' hosts), the secrets, and
# the Switchyard chart with the backends only (the edge runs on Cloudflare).

resource "helm_release" "ingress_nginx" {
  name             = "ingress-nginx"
  namespace        = "ingress-nginx"
  create_namespace = true
  repository       = "https://kubernetes.github.io/ingress-nginx"
  chart            = "ingress-nginx"
  version          = "4.11.3"
}

resource "helm_release" "cert_manager" {
  name             = "cert-manager"
  namespace        = "cert-manager"
  create_namespace = true
  repository       = "https://charts.jetstack.io"
  chart            = "cert-manager"
  version          = "v1.16.1"
  set {
    name  = "crds.enabled"
    value = "true"
  }
}

resource "kubernetes_manifest" "letsencrypt" {
  depends_on = [helm_release.cert_manager]
  manifest = {
    apiVersion = "cert-manager.io/v1"
    kind       = "ClusterIssuer"
    metadata   = { name = "letsencrypt" }
    spec = {
      acme = {
        email               = var.acme_email
        server              = "https://acme-v02.api.letsencrypt.org/directory"
        privateKeySecretRef = { name = "letsencrypt-account" }
        solvers             = [{ http01 = { ingress = { ingressClassName = "nginx" } } }]
      }
    }
  }
}

resource "kubernetes_namespace" "switchyard" {
  metadata {
    name = "switchyard"
  }
}

# The chart reads every secret from this Secret and renders none itself.
resource "kubernetes_secret" "switchyard" {
  metadata {
    name      = "switchyard-secrets"
    namespace = kubernetes_namespace.switchyard.metadata[0].name
  }
  data = merge(
    {
      SWITCHYARD_BACKEND_API_KEY = random_password.backend_api_key.result
      SWITCHYARD_PROMPT_HASH_KEY = random_password.prompt_hash_key.result
      SWITCHYARD_METRICS_TOKEN   = random_password.metrics_token.result
    },
    var.hf_token == "" ? {} : { HF_TOKEN = var.hf_token },
  )
}

resource "helm_release" "switchyard" {
  name       = "switchyard"
  namespace  = kubernetes_namespace.switchyard.metadata[0].name
  chart      = var.chart_path
  depends_on = [helm_release.ingress_nginx, kubernetes_manifest.letsencrypt, kubernetes_secret.switchyard]

  values = [yamlencode({
    existingSecret = kubernetes_secret.switchyard.metadata[0].name
    edge           = { enabled = false }
    redis          = { enabled = false, externalRestUrl = "https://${upstash_redis_database.switchyard.endpoint}" }
    postgres       = { enabled = false }
    ingress        = { enabled = false, clusterIssuer = "letsencrypt" }
    backendsIngress = {
      enabled = true
      domain  = var.backends_domain
    }
    backends = {
      image        = { repository = var.backend_image, tag = var.image_tag }
      nodeSelector = { "cloud.google.com/gke-accelerator" = var.gpu_accelerator }
      models       = { for id, sha in var.model_checksums : id => { sha256 = sha } }
    }
    # Prometheus Operator and the Grafana sidecar are not installed by this configuration.
    monitoring = { serviceMonitors = false, dashboards = false }
  })]
}
