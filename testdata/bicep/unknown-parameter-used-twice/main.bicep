// `adminCidr` has no value: one unknown, used by several rules (directly and through a variable,
// an exact copy). `replace(...)` derives another value from it: a second unknown.
param adminCidr string
var admin = adminCidr

resource nsg 'Microsoft.Network/networkSecurityGroups@2024-05-01' = {
  name: 'nsg-twice'
  location: resourceGroup().location
  properties: {
    securityRules: [
      {
        name: 'DenyAdminRdp'
        properties: { priority: 100, direction: 'Inbound', access: 'Deny', protocol: 'Tcp', sourceAddressPrefix: adminCidr, sourcePortRange: '*', destinationAddressPrefix: '*', destinationPortRange: '3389' }
      }
      {
        name: 'AllowAdminRdp'
        properties: { priority: 200, direction: 'Inbound', access: 'Allow', protocol: 'Tcp', sourceAddressPrefix: admin, sourcePortRange: '*', destinationAddressPrefix: '*', destinationPortRange: '3389' }
      }
      {
        name: 'DenyAdminSsh'
        properties: { priority: 110, direction: 'Inbound', access: 'Deny', protocol: 'Tcp', sourceAddressPrefix: adminCidr, sourcePortRange: '*', destinationAddressPrefix: '*', destinationPortRange: '22' }
      }
      {
        name: 'AllowWiderSsh'
        properties: { priority: 210, direction: 'Inbound', access: 'Allow', protocol: 'Tcp', sourceAddressPrefix: replace(adminCidr, '/32', '/24'), sourcePortRange: '*', destinationAddressPrefix: '*', destinationPortRange: '22' }
      }
    ]
  }
}
