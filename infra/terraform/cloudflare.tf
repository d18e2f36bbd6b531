# The edge on Cloudflare: the same bundle `wrangler deploy` uploads (npm run build:edge writes it),
# its Durable Object for metrics, secrets as secret bindings, and a route on the zone.

locals {
  bundle_files = fileset(var.edge_bundle_dir, "*")
  module_types = {
    js   = "application/javascript+module"
    wasm = "application/wasm"
    onnx = "application/octet-stream"
  }
  edge_modules = [
    for f in local.bundle_files : {
      name         = f
      content_file = "${var.edge_bundle_dir}/${f}"
      content_type = local.module_types[reverse(split(".", f))[0]]
    } if contains(keys(local.module_types), reverse(split(".", f))[0])
  ]
  edge_secrets = {
    SWITCHYARD_API_KEYS        = var.switchyard_api_keys
    SWITCHYARD_BACKEND_API_KEY = random_password.backend_api_key.result
    SWITCHYARD_METRICS_TOKEN   = random_password.metrics_token.result
    SWITCHYARD_PROMPT_HASH_KEY = random_password.prompt_hash_key.result
    UPSTASH_REDIS_REST_TOKEN   = upstash_redis_database.switchyard.rest_token
    DATABASE_URL               = local.database_url
  }
  edge_plain = merge(var.edge_settings, {
    SWITCHYARD_BACKENDS    = jsonencode(local.backend_urls)
    UPSTASH_REDIS_REST_URL = "https://${upstash_redis_database.switchyard.endpoint}"
  }, var.switchyard_jwt_jwks_url == "" ? {} : { SWITCHYARD_JWT_JWKS_URL = var.switchyard_jwt_jwks_url })
}

# The Worker (the script's name and settings), one version per apply with every module and
# binding, and a deployment sending all traffic to that version.
resource "cloudflare_worker" "edge" {
  account_id = var.cloudflare_account_id
  name       = var.worker_name
  observability = {
    enabled = true
  }
}

resource "cloudflare_worker_version" "edge" {
  account_id          = var.cloudflare_account_id
  worker_id           = cloudflare_worker.edge.id
  main_module         = "index.js"
  compatibility_date  = "2026-04-20"
  compatibility_flags = ["nodejs_compat"]
  # index.js plus onnxruntime's .wasm (a compiled module) and the router's .onnx (data).
  modules = local.edge_modules

  bindings = concat(
    [{ type = "durable_object_namespace", name = "SWITCHYARD_METRICS_AGGREGATOR", class_name = "MetricsAggregator" }],
    [for k, v in local.edge_secrets : { type = "secret_text", name = k, text = v }],
    [for k, v in local.edge_plain : { type = "plain_text", name = k, text = v }],
  )

  migrations = {
    new_tag            = "v1-metrics-aggregator"
    new_sqlite_classes = ["MetricsAggregator"]
  }
}

resource "cloudflare_workers_deployment" "edge" {
  account_id  = var.cloudflare_account_id
  script_name = cloudflare_worker.edge.name
  strategy    = "percentage"
  versions = [{
    percentage = 100
    version_id = cloudflare_worker_version.edge.id
  }]
}

resource "cloudflare_workers_route" "edge" {
  zone_id = var.cloudflare_zone_id
  pattern = "${var.edge_hostname}/*"
  script  = cloudflare_worker.edge.name
}
