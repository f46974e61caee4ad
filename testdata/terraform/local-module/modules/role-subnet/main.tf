resource "azurerm_subnet" "this" {
  name                 = "snet-${var.name}"
  resource_group_name  = var.resource_group_name
  virtual_network_name = var.virtual_network_name
  address_prefixes     = [var.prefix]
}

resource "azurerm_network_security_group" "this" {
  name                = "nsg-${var.name}"
  location            = "westeurope"
  resource_group_name = var.resource_group_name

  security_rule {
    name                       = "AllowIntraSubnet"
    priority                   = 100
    direction                  = "Inbound"
    access                     = "Allow"
    protocol                   = "Tcp"
    source_address_prefix      = var.prefix
    source_port_range          = "*"
    destination_address_prefix = var.prefix
    destination_port_ranges    = ["3389", "20000"]
  }

  dynamic "security_rule" {
    for_each = var.allow_rdp_from == null ? [] : [var.allow_rdp_from]
    content {
      name                       = "AllowAdminRdp"
      priority                   = 200
      direction                  = "Inbound"
      access                     = "Allow"
      protocol                   = "Tcp"
      source_address_prefix      = security_rule.value
      source_port_range          = "*"
      destination_address_prefix = var.prefix
      destination_port_range     = "3389"
    }
  }
}

resource "azurerm_subnet_network_security_group_association" "this" {
  subnet_id                 = azurerm_subnet.this.id
  network_security_group_id = azurerm_network_security_group.this.id
}
