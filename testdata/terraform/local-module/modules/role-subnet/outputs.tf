output "subnet_id" {
  value = azurerm_subnet.this.id
}

output "prefix" {
  value = azurerm_subnet.this.address_prefixes[0]
}

output "nsg_name" {
  value = azurerm_network_security_group.this.name
}
