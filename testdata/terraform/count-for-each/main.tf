variable "tiers" {
  type = map(object({
    prefix = string
    ports  = list(string)
  }))
  default = {
    web = { prefix = "10.3.1.0/24", ports = ["80", "443"] }
    app = { prefix = "10.3.2.0/24", ports = ["8443"] }
  }
}

variable "dmz_count" {
  type    = number
  default = 2
}

resource "azurerm_virtual_network" "main" {
  name                = "vnet-tiers"
  location            = "westeurope"
  resource_group_name = "rg-tiers"
  address_space       = ["10.3.0.0/16"]
}

resource "azurerm_subnet" "tier" {
  for_each             = var.tiers
  name                 = "snet-${each.key}"
  resource_group_name  = "rg-tiers"
  virtual_network_name = azurerm_virtual_network.main.name
  address_prefixes     = [each.value.prefix]
}

resource "azurerm_network_security_group" "tier" {
  for_each            = var.tiers
  name                = "nsg-${each.key}"
  location            = "westeurope"
  resource_group_name = "rg-tiers"

  security_rule {
    name                       = "Allow-${upper(each.key)}"
    priority                   = 100
    direction                  = "Inbound"
    access                     = "Allow"
    protocol                   = "Tcp"
    source_address_prefix      = "VirtualNetwork"
    source_port_range          = "*"
    destination_address_prefix = each.value.prefix
    destination_port_ranges    = each.value.ports
  }
}

resource "azurerm_subnet_network_security_group_association" "tier" {
  for_each                  = var.tiers
  subnet_id                 = azurerm_subnet.tier[each.key].id
  network_security_group_id = azurerm_network_security_group.tier[each.key].id
}

resource "azurerm_subnet" "dmz" {
  count                = var.dmz_count
  name                 = "snet-dmz-${count.index}"
  resource_group_name  = "rg-tiers"
  virtual_network_name = azurerm_virtual_network.main.name
  address_prefixes     = [cidrsubnet("10.3.200.0/22", 2, count.index)]
}

resource "azurerm_network_security_group" "dmz" {
  count               = var.dmz_count
  name                = format("nsg-dmz-%02d", count.index)
  location            = "westeurope"
  resource_group_name = "rg-tiers"

  security_rule {
    name                       = "DenyRdpFromInternet"
    priority                   = 100 + count.index
    direction                  = "Inbound"
    access                     = "Deny"
    protocol                   = "Tcp"
    source_address_prefix      = "Internet"
    source_port_range          = "*"
    destination_address_prefix = azurerm_subnet.dmz[count.index].address_prefixes[0]
    destination_port_range     = "3389"
  }
}

resource "azurerm_subnet_network_security_group_association" "dmz" {
  count                     = var.dmz_count
  subnet_id                 = azurerm_subnet.dmz[count.index].id
  network_security_group_id = azurerm_network_security_group.dmz[count.index].id
}
