locals {
  numbers = [0,37,74,111,148,185,222,259,296,333,370,407,444,481,518,555,592,629,666,703,740,777,814,851,888,925,962,999,36,73,110,147,184,221,258,295,332,369,406,443,480,517,554,591,628,665,702,739,776,813,850,887,924,961,998,35,72,109,146,183,220,257,294,331,368,405,442,479,516,553,590,627,664,701,738,775,812,849,886,923]
  used = length(local.numbers)
}

resource "azurerm_network_security_group" "n" {
  name                = "nsg-n"
  location            = "westeurope"
  resource_group_name = "rg"
  security_rule {
    name                       = "AllowSsh"
    priority                   = 100
    direction                  = "Inbound"
    access                     = "Allow"
    protocol                   = "Tcp"
    source_port_range          = "*"
    destination_port_range     = "22"
    source_address_prefixes    = ["10.0.0.0/8"]
    destination_address_prefix = "*"
  }
}
