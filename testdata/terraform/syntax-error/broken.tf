resource "azurerm_network_security_group" "broken" {
  name = "nsg-broken"
  security_rule {
    name = "Oops"
    priority = 100
