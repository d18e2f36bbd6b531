# Model ids come from the catalogue, never spelled out here.
locals {
  catalogue      = jsondecode(file("${path.module}/../../backends/models.json"))
  production_ids = [for m in local.catalogue.models : m.id if m.kind == "production"]
  # qwen2.5-7b-instruct -> qwen2-5-7b-instruct (the chart's backend names and TLS hosts).
  model_names = { for id in local.production_ids : id => replace(replace(lower(id), ".", "-"), "_", "-") }
  # The Worker reaches every backend over TLS, with the backend API key, never in the clear.
  backend_urls = { for id, name in local.model_names : id => "https://${name}.${var.backends_domain}" }
}

resource "random_password" "backend_api_key" {
  length  = 48
  special = false
}

resource "random_password" "metrics_token" {
  length  = 32
  special = false
}

resource "random_password" "prompt_hash_key" {
  length  = 64
  special = false
}
