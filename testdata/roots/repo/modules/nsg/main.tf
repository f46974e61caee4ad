variable "resource_group_name" {
  type = string
}

variable "admin_source" {
  type = string
}

variable "subnet_prefix" {
  type = string
}

# The incident's NSG: admin RDP allowed at 300, everything else denied at 400, so RDP
# between instances of the subnet (3389 and the forwarder's 20000) never reaches
# AllowVnetInBound.
resource "azurerm_network_security_group" "this" {
  name                = "nsg-roles"
  location            = "westeurope"
  resource_group_name = var.resource_group_name

  security_rule {
    name                       = "AllowLocalRDP"
    priority                   = 300
    direction                  = "Inbound"
    access                     = "Allow"
    protocol                   = "Tcp"
    source_address_prefix      = var.admin_source
    source_port_range          = "*"
    destination_address_prefix = var.subnet_prefix
    destination_port_ranges    = ["3389", "20000"]
  }

  security_rule {
    name                       = "DenyAll"
    priority                   = 400
    direction                  = "Inbound"
    access                     = "Deny"
    protocol                   = "*"
    source_address_prefix      = "*"
    source_port_range          = "*"
    destination_address_prefix = "*"
    destination_port_range     = "*"
  }
}

output "id" {
  value = azurerm_network_security_group.this.id
}
