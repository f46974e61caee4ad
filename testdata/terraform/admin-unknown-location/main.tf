# The admin Deny on 3389 is deployed to westeurope, but the web VNet's region is a variable
# without a value: whether the rule applies, and so whether RDP is open to the Internet, is not
# knowable from this input.

variable "location" {
  type        = string
  description = "Region of the web network, chosen per environment."
}

resource "azurerm_resource_group" "net" {
  name     = "rg-net"
  location = var.location
}

data "azurerm_subscription" "current" {}

resource "azurerm_virtual_network" "web" {
  name                = "vnet-web"
  location            = azurerm_resource_group.net.location
  resource_group_name = azurerm_resource_group.net.name
  address_space       = ["10.20.0.0/16"]
}

resource "azurerm_subnet" "web" {
  name                 = "snet-web"
  resource_group_name  = azurerm_resource_group.net.name
  virtual_network_name = azurerm_virtual_network.web.name
  address_prefixes     = ["10.20.1.0/24"]
}

resource "azurerm_network_security_group" "web" {
  name                = "nsg-web"
  location            = azurerm_resource_group.net.location
  resource_group_name = azurerm_resource_group.net.name

  security_rule {
    name                       = "AllowRdp"
    priority                   = 100
    direction                  = "Inbound"
    access                     = "Allow"
    protocol                   = "Tcp"
    source_address_prefix      = "*"
    source_port_range          = "*"
    destination_address_prefix = "10.20.1.0/24"
    destination_port_range     = "3389"
  }
}

resource "azurerm_subnet_network_security_group_association" "web" {
  subnet_id                 = azurerm_subnet.web.id
  network_security_group_id = azurerm_network_security_group.web.id
}

resource "azurerm_network_manager" "central" {
  name                = "avnm-central"
  location            = azurerm_resource_group.net.location
  resource_group_name = azurerm_resource_group.net.name
  scope_accesses      = ["SecurityAdmin"]
  scope {
    subscription_ids = [data.azurerm_subscription.current.id]
  }
}

resource "azurerm_network_manager_network_group" "all" {
  name               = "ng-all"
  network_manager_id = azurerm_network_manager.central.id
}

resource "azurerm_network_manager_static_member" "web" {
  name                      = "web"
  network_group_id          = azurerm_network_manager_network_group.all.id
  target_virtual_network_id = azurerm_virtual_network.web.id
}

resource "azurerm_network_manager_security_admin_configuration" "baseline" {
  name               = "baseline"
  network_manager_id = azurerm_network_manager.central.id
}

resource "azurerm_network_manager_admin_rule_collection" "high_risk" {
  name                            = "high-risk-ports"
  security_admin_configuration_id = azurerm_network_manager_security_admin_configuration.baseline.id
  network_group_ids               = [azurerm_network_manager_network_group.all.id]
}

resource "azurerm_network_manager_admin_rule" "deny_rdp" {
  name                     = "DenyRdpInbound"
  admin_rule_collection_id = azurerm_network_manager_admin_rule_collection.high_risk.id
  action                   = "Deny"
  direction                = "Inbound"
  priority                 = 10
  protocol                 = "Tcp"
  destination_port_ranges  = ["3389"]
  source {
    address_prefix_type = "ServiceTag"
    address_prefix      = "Internet"
  }
}

resource "azurerm_network_manager_deployment" "baseline" {
  network_manager_id = azurerm_network_manager.central.id
  location           = "westeurope"
  scope_access       = "SecurityAdmin"
  configuration_ids  = [azurerm_network_manager_security_admin_configuration.baseline.id]
}
