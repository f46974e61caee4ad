variable "location" {
  type        = string
  description = "Azure region of the cloud service."
  default     = "westeurope"
}

variable "resource_group_name" {
  type    = string
  default = "rg-cses"
}

variable "admin_source" {
  type        = string
  description = "On-premises address the operators connect from over RDP."
  default     = "172.16.0.0"
}
