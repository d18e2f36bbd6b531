# Rate-limit buckets and the response cache: one global Upstash Redis database, TLS only.
resource "upstash_redis_database" "switchyard" {
  database_name  = "switchyard"
  region         = "global"
  primary_region = var.upstash_region
  tls            = true
  eviction       = true
}
