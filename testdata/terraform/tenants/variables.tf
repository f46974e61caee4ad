variable "vault_subnet_id" {
  type        = string
  description = "The subnet of the Key Vault endpoint, chosen by the caller."
}
