variable "resource_group_name" {
  type = string
}

variable "address_prefix" {
  type    = string
  default = "10.1.0.0/24"
}

variable "admin_source" {
  type    = string
  default = "172.16.0.10"
}
