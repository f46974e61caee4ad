resource nsg 'Microsoft.Network/networkSecurityGroups@2024-05-01' = {
  name: 'x'
  properties: {
    securityRules: [
  }
}
