variable "resource_group_name" {
  type    = string
  default = "rg-default"
}

variable "admin_cidr" {
  type        = string
  description = "Overridden by terraform.tfvars, then by admin.auto.tfvars."
  default     = "0.0.0.0/0"
}

variable "rdp_port" {
  type    = number
  default = 3389
}

variable "allowed_sources" {
  type    = list(string)
  default = ["10.0.0.0/8"]
}

# No default and no value anywhere: everything built from it is unknown.
variable "bastion_prefix" {
  type = string
}
