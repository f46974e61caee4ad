resource "azurerm_network_security_group" "good" {
  name                = "nsg-good"
  location            = "westeurope"
  resource_group_name = "rg"
  security_rule       = []
}
