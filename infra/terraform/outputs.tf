output "edge_url" {
  description = "The public API base URL (OpenAI clients: <this>/v1)."
  value       = "https://${var.edge_hostname}"
}

output "backend_urls" {
  description = "Model id -> the TLS URL the Worker reaches each backend at (SWITCHYARD_BACKENDS)."
  value       = local.backend_urls
}

output "backends_ingress_hosts" {
  description = "Host names to point at the ingress-nginx load balancer (DNS A/AAAA records)."
  value       = [for name in values(local.model_names) : "${name}.${var.backends_domain}"]
}

output "upstash_rest_url" {
  description = "UPSTASH_REDIS_REST_URL of the database."
  value       = "https://${upstash_redis_database.switchyard.endpoint}"
}

output "database_url" {
  description = "DATABASE_URL of the Neon branch (run `npm run db:migrate` with it once)."
  value       = local.database_url
  sensitive   = true
}

output "backend_api_key" {
  description = "The key the backends require (also in the Worker's secrets and the cluster Secret)."
  value       = random_password.backend_api_key.result
  sensitive   = true
}

output "metrics_token" {
  description = "Bearer token of the edge's GET /metrics."
  value       = random_password.metrics_token.result
  sensitive   = true
}

output "gke_cluster" {
  description = "The GKE cluster (gcloud container clusters get-credentials <name> --region <region>)."
  value       = google_container_cluster.switchyard.name
}
