locals {
  rg = "rg-web"

  web_rules = [
    { name = "AllowHttp", priority = 100, port = "80", source = "Internet" },
    { name = "AllowHttps", priority = 110, port = "443", source = "Internet" },
    { name = "AllowProbe", priority = 120, port = "*", source = "AzureLoadBalancer" },
  ]
}

resource "azurerm_network_security_group" "web" {
  name                = "nsg-web"
  location            = "westeurope"
  resource_group_name = local.rg

  dynamic "security_rule" {
    for_each = local.web_rules
    iterator = rule
    content {
      name                       = rule.value.name
      priority                   = rule.value.priority
      direction                  = "Inbound"
      access                     = "Allow"
      protocol                   = "Tcp"
      source_address_prefix      = rule.value.source
      source_port_range          = "*"
      destination_address_prefix = "VirtualNetwork"
      destination_port_range     = rule.value.port
    }
  }

  security_rule {
    name                       = "DenyAllInbound"
    priority                   = 4096
    direction                  = "Inbound"
    access                     = "Deny"
    protocol                   = "*"
    source_address_prefix      = "*"
    source_port_range          = "*"
    destination_address_prefix = "*"
    destination_port_range     = "*"
  }
}

# The same rules written in the attribute form, with a for expression.
resource "azurerm_network_security_group" "web_attr" {
  name                = "nsg-web-attr"
  location            = "westeurope"
  resource_group_name = local.rg
  security_rule = [for i, r in local.web_rules : {
    name                                       = r.name
    priority                                   = r.priority + 1000
    direction                                  = "Inbound"
    access                                     = "Allow"
    protocol                                   = "Tcp"
    source_address_prefix                      = r.source
    source_address_prefixes                    = null
    source_port_range                          = "*"
    source_port_ranges                         = null
    destination_address_prefix                 = cidrsubnet("10.2.0.0/16", 8, i)
    destination_address_prefixes               = null
    destination_port_range                     = r.port
    destination_port_ranges                    = null
    source_application_security_group_ids      = null
    destination_application_security_group_ids = null
    description                                = format("%s from %s", r.name, lower(r.source))
  }]
}
