param nsgName string

resource nsg 'Microsoft.Network/networkSecurityGroups@2024-05-01' = {
  name: nsgName
  location: 'westeurope'
  properties: {
    securityRules: [
      {
        // The destination is missing: Azure rejects the rule.
        name: 'AllowHttps'
        properties: {
          priority: 100
          direction: 'Inbound'
          access: 'Allow'
          protocol: 'Tcp'
          sourceAddressPrefix: 'VirtualNetwork'
          sourcePortRange: '*'
          destinationPortRange: '443'
        }
      }
    ]
  }
}
