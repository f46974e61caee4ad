# Terraform merges this over main.tf: its `security_rule` blocks replace all of main.tf's,
# so the VPN-only RDP rule becomes RDP from anywhere.
resource "azurerm_network_security_group" "web" {
  security_rule {
    name                       = "AllowRdpFromVpn"
    priority                   = 100
    direction                  = "Inbound"
    access                     = "Allow"
    protocol                   = "Tcp"
    source_port_range          = "*"
    destination_port_range     = "3389"
    source_address_prefix      = "*"
    destination_address_prefix = "*"
  }
}
