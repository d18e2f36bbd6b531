# The request log: a Neon project, a production branch, its role and database. The edge reaches
# it over TLS with Neon's serverless driver (no proxy needed in front of Neon itself).
resource "neon_project" "switchyard" {
  name       = "switchyard"
  region_id  = var.neon_region
  pg_version = 16
}

resource "neon_branch" "production" {
  project_id = neon_project.switchyard.id
  name       = "production"
}

resource "neon_endpoint" "production" {
  project_id = neon_project.switchyard.id
  branch_id  = neon_branch.production.id
  type       = "read_write"
}

resource "neon_role" "edge" {
  project_id = neon_project.switchyard.id
  branch_id  = neon_branch.production.id
  name       = "switchyard"
}

resource "neon_database" "switchyard" {
  project_id = neon_project.switchyard.id
  branch_id  = neon_branch.production.id
  name       = "switchyard"
  owner_name = neon_role.edge.name
}

locals {
  database_url = "postgres://${neon_role.edge.name}:${neon_role.edge.password}@${neon_endpoint.production.host}/${neon_database.switchyard.name}?sslmode=require"
}
