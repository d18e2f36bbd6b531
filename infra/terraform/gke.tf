# The backends' cluster on GKE: a small CPU pool for the system pods, ingress-nginx and
# cert-manager, and an autoscaled GPU pool (NVIDIA L4) whose drivers GKE installs itself.
resource "google_container_cluster" "switchyard" {
  name                     = "switchyard"
  location                 = var.gcp_region
  node_locations           = var.gpu_zones
  remove_default_node_pool = true
  initial_node_count       = 1
  deletion_protection      = true
  # Dataplane V2 enforces the chart's NetworkPolicies.
  datapath_provider = "ADVANCED_DATAPATH"
  release_channel {
    channel = "REGULAR"
  }
  workload_identity_config {
    workload_pool = "${var.gcp_project}.svc.id.goog"
  }
}

resource "google_container_node_pool" "system" {
  name       = "system"
  cluster    = google_container_cluster.switchyard.id
  node_count = 1
  node_config {
    machine_type = "e2-standard-4"
    oauth_scopes = ["https://www.googleapis.com/auth/cloud-platform"]
  }
}

resource "google_container_node_pool" "gpu" {
  name           = "gpu-${var.gpu_accelerator}"
  cluster        = google_container_cluster.switchyard.id
  node_locations = var.gpu_zones
  autoscaling {
    min_node_count = var.gpu_nodes_min
    max_node_count = var.gpu_nodes_max
  }
  node_config {
    machine_type = var.gpu_machine_type
    oauth_scopes = ["https://www.googleapis.com/auth/cloud-platform"]
    guest_accelerator {
      type  = var.gpu_accelerator
      count = 1
      gpu_driver_installation_config {
        gpu_driver_version = "LATEST"
      }
    }
    # GKE taints GPU nodes with nvidia.com/gpu=present:NoSchedule; the chart tolerates it.
    labels = {
      "switchyard.dev/pool" = "gpu"
    }
  }
}
