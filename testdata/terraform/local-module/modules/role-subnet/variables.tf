variable "resource_group_name" {
  type = string
}

variable "virtual_network_name" {
  type = string
}

variable "name" {
  type = string
}

variable "prefix" {
  type = string
}

variable "allow_rdp_from" {
  type    = string
  default = null
}
