variable "cloudflare_api_token" {
  description = "Cloudflare API token with Workers Scripts:Edit and Workers Routes:Edit on the zone."
  type        = string
  sensitive   = true
}

variable "cloudflare_account_id" {
  description = "Cloudflare account that owns the Worker."
  type        = string
}

variable "cloudflare_zone_id" {
  description = "Zone of the public host name (the route's zone)."
  type        = string
}

variable "edge_hostname" {
  description = "Public host name of the API, e.g. api.example.com (route pattern <host>/*)."
  type        = string
}

variable "worker_name" {
  description = "Name of the Worker script."
  type        = string
  default     = "switchyard-edge"
}

variable "edge_bundle_dir" {
  description = "Directory with the bundle `npm run build:edge` wrote (wrangler deploy --dry-run --outdir): index.js, the .wasm and .onnx modules."
  type        = string
  default     = "../../dist/workerd/edge"
}

variable "edge_settings" {
  description = "Non-secret edge settings (edge/src/config/env.ts) as plain-text bindings, e.g. { SWITCHYARD_RATE_LIMIT_CAPACITY = \"120\" }."
  type        = map(string)
  default     = {}
}

variable "switchyard_api_keys" {
  description = "SWITCHYARD_API_KEYS: comma-separated name:sha256hex entries."
  type        = string
  sensitive   = true
}

variable "switchyard_jwt_jwks_url" {
  description = "SWITCHYARD_JWT_JWKS_URL for production JWTs (RS256/ES256); empty for API keys only."
  type        = string
  default     = ""
}

variable "upstash_email" {
  description = "Upstash account e-mail (provider login)."
  type        = string
}

variable "upstash_api_key" {
  description = "Upstash management API key."
  type        = string
  sensitive   = true
}

variable "upstash_region" {
  description = "Upstash primary region (global database), close to the GPU region, e.g. us-central1."
  type        = string
  default     = "us-central1"
}

variable "neon_api_key" {
  description = "Neon API key."
  type        = string
  sensitive   = true
}

variable "neon_region" {
  description = "Neon region, e.g. aws-us-east-2."
  type        = string
  default     = "aws-us-east-2"
}

variable "gcp_project" {
  description = "Google Cloud project for the GKE cluster."
  type        = string
}

variable "gcp_region" {
  description = "Google Cloud region; GPU pools are zonal, see gpu_zones."
  type        = string
  default     = "us-central1"
}

variable "gpu_zones" {
  description = "Zones of the GPU node pool (zones that offer the accelerator)."
  type        = list(string)
  default     = ["us-central1-a", "us-central1-c"]
}

variable "gpu_machine_type" {
  description = "Machine type of the GPU nodes (g2-standard-8: one NVIDIA L4, 24 GB)."
  type        = string
  default     = "g2-standard-8"
}

variable "gpu_accelerator" {
  description = "GPU type attached to each node."
  type        = string
  default     = "nvidia-l4"
}

variable "gpu_nodes_min" {
  description = "Fewest GPU nodes per zone (the cluster autoscaler adds nodes when backend pods are pending)."
  type        = number
  default     = 0
}

variable "gpu_nodes_max" {
  description = "Most GPU nodes per zone."
  type        = number
  default     = 4
}

variable "backends_domain" {
  description = "Parent domain of the backends' TLS hosts (<model>.<domain>), pointed at the GKE ingress."
  type        = string
}

variable "acme_email" {
  description = "E-mail for Let's Encrypt (cert-manager ClusterIssuer)."
  type        = string
}

variable "chart_path" {
  description = "Path of the Helm chart."
  type        = string
  default     = "../helm/switchyard"
}

variable "backend_image" {
  description = "Backend image repository (infra/docker/backend-cuda.Dockerfile)."
  type        = string
  default     = "ghcr.io/switchyard/backend-cuda"
}

variable "image_tag" {
  description = "Image tag of the release."
  type        = string
  default     = "0.1.0"
}

variable "model_checksums" {
  description = "sha256 of each model's GGUF where the catalogue has none, by model id (the chart refuses to render without)."
  type        = map(string)
  default     = {}
}

variable "hf_token" {
  description = "Hugging Face token for gated models (Llama, Gemma); empty when not needed."
  type        = string
  default     = ""
  sensitive   = true
}
