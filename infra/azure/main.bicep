// CareXPS Billing Admin backend on Azure: a Linux Python 3.11 Function App on the
// Flex Consumption plan, its storage account (identity-based, no shared keys),
// Application Insights over a Log Analytics workspace, and a Key Vault (RBAC,
// soft delete, purge protection) whose secrets the app settings reference.
//
// Deploy:  az deployment group create -g <rg> -f infra/azure/main.bicep \
//            -p @infra/azure/main.parameters.json
// Secret values are never parameters of this template: put them into the vault
// afterwards (docs/DEPLOY.md). Key Vault references resolve once they exist.

targetScope = 'resourceGroup'

// ---------------------------------------------------------------------------
// Parameters
// ---------------------------------------------------------------------------

@description('Short name used to derive every resource name, e.g. carexps-billing.')
@minLength(3)
@maxLength(20)
param appName string = 'carexps-billing'

@description('Environment suffix (prod, staging, ...).')
@minLength(2)
@maxLength(8)
param environmentName string = 'prod'

@description('Azure region. Flex Consumption must be offered in it (Canada Central is).')
param location string = resourceGroup().location

@description('The CareXPS single-page app origin(s) allowed by CORS, e.g. https://app.carexps.com.')
@minLength(1)
param spaOrigins array

@description('How bearer tokens are verified: "jwks" (Entra ID or Supabase asymmetric keys) or "hs256" (the Supabase JWT secret in Key Vault).')
@allowed([
  'jwks'
  'hs256'
])
param authMode string = 'jwks'

@description('JWKS URL (authMode jwks), e.g. https://login.microsoftonline.com/<tenant>/discovery/v2.0/keys.')
param authJwksUrl string = ''

@description('Expected "iss" claim; empty skips the issuer check (not recommended with jwks).')
param authIssuer string = ''

@description('Expected "aud" claim; required with jwks (e.g. api://carexps-billing or "authenticated" for Supabase).')
param authAudience string = ''

@description('The claim holding the CareXPS user id (user_settings.user_id). Empty: oid with an Entra ID JWKS (login.microsoftonline.com), else sub. With Entra ID, user_settings.user_id (and auth.users.id) must be the Entra object id.')
param authUserClaim string = ''

@description('Entra ID tenant id; when set, tokens whose tid differs are refused.')
param authTenantId string = ''

@description('How user_settings.fresh_mfa_secret is stored: billing-v1 (AES-256-GCM, this backend) or plain-base32.')
@allowed([
  'billing-v1'
  'plain-base32'
])
param mfaSecretFormat string = 'billing-v1'

@description('Optional comma-separated allow-list of CareXPS user ids (empty: every MFA-verified Super User).')
param allowedUserIds string = ''

@description('Refusals without a valid token per source address and minute before 429 (BILLING_DENIALS_PER_MINUTE); each is counted in one aggregated audit row.')
@minValue(1)
param denialsPerMinute int = 30

@description('Billing time zone (IANA name): periods, the billing day, "MFA verified today".')
param billingTimeZone string = 'America/Toronto'

@description('Id of the current encryption key (BILLING_ENCRYPTION_KEY_ID). Change it together with the key when rotating.')
param encryptionKeyId string = 'k1'

@description('True while rotating: BILLING_ENCRYPTION_OLD_KEYS then references the billing-encryption-old-keys secret (it must exist).')
param useOldEncryptionKeys bool = false

@description('True when the STRIPE_SECRET_KEY fallback is kept in Key Vault (secret stripe-secret-key). Normally false: the key is saved on the Billing Settings page.')
param useStripeKeyFromVault bool = false

@description('Retell API base URL.')
param retellBaseUrl string = 'https://api.retellai.com'

@description('SMTP server for billing notifications; empty disables e-mail (no SMTP settings are set).')
param smtpHost string = ''

@description('SMTP port (587 with STARTTLS).')
param smtpPort int = 587

@description('SMTP user name.')
param smtpUsername string = ''

@description('Sender address of billing notifications, e.g. billing@carexps.com.')
param smtpFrom string = ''

@description('Connections per instance in the PostgreSQL pool (DB_POOL_MAX_SIZE). Instances x this must stay under the Supabase pooler limit.')
@minValue(1)
@maxValue(50)
param dbPoolMaxSize int = 5

@description('Most instances the app scales out to (Flex Consumption). Instances x dbPoolMaxSize must stay under the Supabase pooler limit.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 10

@description('Memory per instance in MB (Flex Consumption: 2048 or 4096).')
@allowed([
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Object id of the operator (user or group) who puts secrets into the vault; empty grants nobody.')
param secretsOfficerPrincipalId string = ''

@description('Principal type of secretsOfficerPrincipalId.')
@allowed([
  'User'
  'Group'
  'ServicePrincipal'
])
param secretsOfficerPrincipalType string = 'User'

@description('Days Log Analytics keeps logs.')
@minValue(30)
@maxValue(730)
param logRetentionDays int = 90

@description('Tags on every resource.')
param tags object = {
  application: 'carexps-billing-admin'
}

// ---------------------------------------------------------------------------
// Names
// ---------------------------------------------------------------------------

var suffix = uniqueString(resourceGroup().id, appName, environmentName)
var baseName = '${appName}-${environmentName}'
var functionAppName = 'func-${baseName}-${take(suffix, 6)}'
var planName = 'plan-${baseName}'
var storageName = take('st${toLower(replace(appName, '-', ''))}${suffix}', 24)
var keyVaultName = take('kv-${take(replace(appName, '-', ''), 8)}-${environmentName}-${suffix}', 24)
var workspaceName = 'log-${baseName}'
var insightsName = 'appi-${baseName}'
var deploymentContainerName = 'app-package-${take(suffix, 8)}'

// Built-in role definition ids.
var roles = {
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6'
  keyVaultSecretsOfficer: 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7'
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
}

// Key Vault secret names (docs/DEPLOY.md puts the values in).
var secretNames = {
  databaseUrl: 'database-url'
  encryptionKey: 'billing-encryption-key'
  encryptionOldKeys: 'billing-encryption-old-keys'
  jwtSecret: 'billing-auth-jwt-secret'
  retellApiKey: 'retell-api-key'
  smtpPassword: 'smtp-password'
  stripeSecretKey: 'stripe-secret-key'
}

// A versionless reference follows the latest secret version (picked up within
// 24 hours, or at once on restart).
var kvRefPrefix = '@Microsoft.KeyVault(SecretUri=https://${keyVaultName}${environment().suffixes.keyvaultDns}/secrets/'

// ---------------------------------------------------------------------------
// Monitoring
// ---------------------------------------------------------------------------

resource workspace 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: workspaceName
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: logRetentionDays
  }
}

resource insights 'Microsoft.Insights/components@2020-02-02' = {
  name: insightsName
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: workspace.id
    DisableLocalAuth: true
  }
}

// ---------------------------------------------------------------------------
// Storage: host state (timer schedule, locks), the deployment package, queues
// ---------------------------------------------------------------------------

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: storageName
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    accessTier: 'Hot'
    allowBlobPublicAccess: false
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: 'Enabled'
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

resource deploymentContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: deploymentContainerName
  properties: {
    publicAccess: 'None'
  }
}

// The invoice-batch queue: POST /invoice-batches, retries and the hourly timer
// write batch ids (queue output binding); the queue function runs each batch.
// The host moves a message that failed maxDequeueCount (host.json: 5) times
// to the poison queue, whose function marks the batch failed.
resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

resource invoiceBatchQueue 'Microsoft.Storage/storageAccounts/queueServices/queues@2023-05-01' = {
  parent: queueService
  name: 'invoice-batches'
}

resource invoiceBatchPoisonQueue 'Microsoft.Storage/storageAccounts/queueServices/queues@2023-05-01' = {
  parent: queueService
  name: 'invoice-batches-poison'
}

// ---------------------------------------------------------------------------
// Key Vault: RBAC, soft delete, purge protection
// ---------------------------------------------------------------------------

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: keyVaultName
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    enablePurgeProtection: true
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      bypass: 'AzureServices'
      defaultAction: 'Allow'
    }
  }
}

// ---------------------------------------------------------------------------
// Function App: Flex Consumption, Linux, Python 3.11
// ---------------------------------------------------------------------------

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    tier: 'FlexConsumption'
    name: 'FC1'
  }
  properties: {
    reserved: true
  }
}

var authSettings = authMode == 'jwks' ? [
  {
    name: 'BILLING_AUTH_JWKS_URL'
    value: authJwksUrl
  }
] : [
  {
    name: 'BILLING_AUTH_JWT_SECRET'
    value: '${kvRefPrefix}${secretNames.jwtSecret})'
  }
]

var oldKeySettings = useOldEncryptionKeys ? [
  {
    name: 'BILLING_ENCRYPTION_OLD_KEYS'
    value: '${kvRefPrefix}${secretNames.encryptionOldKeys})'
  }
] : []

var stripeKeySettings = useStripeKeyFromVault ? [
  {
    name: 'STRIPE_SECRET_KEY'
    value: '${kvRefPrefix}${secretNames.stripeSecretKey})'
  }
] : []

var smtpSettings = empty(smtpHost) ? [] : [
  {
    name: 'SMTP_HOST'
    value: smtpHost
  }
  {
    name: 'SMTP_PORT'
    value: string(smtpPort)
  }
  {
    name: 'SMTP_USERNAME'
    value: smtpUsername
  }
  {
    name: 'SMTP_PASSWORD'
    value: '${kvRefPrefix}${secretNames.smtpPassword})'
  }
  {
    name: 'SMTP_FROM'
    value: smtpFrom
  }
  {
    name: 'SMTP_STARTTLS'
    value: 'true'
  }
]

var baseSettings = [
  // Host storage through the app's identity (no connection string, no key).
  {
    name: 'AzureWebJobsStorage__accountName'
    value: storage.name
  }
  {
    name: 'AzureWebJobsStorage__credential'
    value: 'managedidentity'
  }
  {
    name: 'APPLICATIONINSIGHTS_CONNECTION_STRING'
    value: insights.properties.ConnectionString
  }
  {
    name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING'
    value: 'Authorization=AAD'
  }
  // Secrets: Key Vault references resolved with the system-assigned identity.
  {
    name: 'DATABASE_URL'
    value: '${kvRefPrefix}${secretNames.databaseUrl})'
  }
  {
    name: 'BILLING_ENCRYPTION_KEY'
    value: '${kvRefPrefix}${secretNames.encryptionKey})'
  }
  {
    name: 'RETELL_API_KEY'
    value: '${kvRefPrefix}${secretNames.retellApiKey})'
  }
  // Plain settings.
  {
    name: 'DB_POOL_MAX_SIZE'
    value: string(dbPoolMaxSize)
  }
  {
    name: 'BILLING_TIME_ZONE'
    value: billingTimeZone
  }
  {
    name: 'BILLING_ENCRYPTION_KEY_ID'
    value: encryptionKeyId
  }
  {
    name: 'BILLING_AUTH_ISSUER'
    value: authIssuer
  }
  {
    name: 'BILLING_AUTH_AUDIENCE'
    value: authAudience
  }
  {
    name: 'BILLING_AUTH_USER_CLAIM'
    value: authUserClaim
  }
  {
    name: 'BILLING_AUTH_TENANT_ID'
    value: authTenantId
  }
  {
    name: 'BILLING_MFA_SECRET_FORMAT'
    value: mfaSecretFormat
  }
  {
    name: 'BILLING_ALLOWED_USER_IDS'
    value: allowedUserIds
  }
  {
    name: 'BILLING_DENIALS_PER_MINUTE'
    value: string(denialsPerMinute)
  }
  {
    name: 'RETELL_BASE_URL'
    value: retellBaseUrl
  }
  {
    name: 'BOC_VALET_URL'
    value: 'https://www.bankofcanada.ca/valet'
  }
]

resource functionApp 'Microsoft.Web/sites@2024-04-01' = {
  name: functionAppName
  location: location
  tags: tags
  kind: 'functionapp,linux'
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    clientCertEnabled: false
    keyVaultReferenceIdentity: 'SystemAssigned'
    siteConfig: {
      minTlsVersion: '1.2'
      scmMinTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
      cors: {
        allowedOrigins: spaOrigins
        supportCredentials: false
      }
      // Empty values are left out: an empty issuer or audience would be checked as ''.
      appSettings: filter(concat(baseSettings, authSettings, oldKeySettings, stripeKeySettings, smtpSettings), setting => !empty(setting.value))
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentContainerName}'
          authentication: {
            type: 'SystemAssignedIdentity'
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: {
        name: 'python'
        version: '3.11'
      }
    }
  }
  dependsOn: [
    deploymentContainer
  ]
}

// No FTP publishing credentials (FTPS is disabled above as well).
resource ftpCredentials 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: functionApp
  name: 'ftp'
  properties: {
    allow: false
  }
}

// ---------------------------------------------------------------------------
// Role assignments for the app's system-assigned identity
// ---------------------------------------------------------------------------

resource appSecretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: vault
  name: guid(vault.id, functionApp.id, roles.keyVaultSecretsUser)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsUser)
    principalId: functionApp.identity.principalId
    principalType: 'ServicePrincipal'
  }
}

resource appBlobOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: storage
  name: guid(storage.id, functionApp.id, roles.storageBlobDataOwner)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataOwner)
    principalId: functionApp.identity.principalId
    principalType: 'ServicePrincipal'
  }
}

// Queue data: the host's own queues and the invoice-batches queue trigger and
// output bindings (AzureWebJobsStorage through the app's identity).
resource appQueueContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: storage
  name: guid(storage.id, functionApp.id, roles.storageQueueDataContributor)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageQueueDataContributor)
    principalId: functionApp.identity.principalId
    principalType: 'ServicePrincipal'
  }
}

resource appTableContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: storage
  name: guid(storage.id, functionApp.id, roles.storageTableDataContributor)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageTableDataContributor)
    principalId: functionApp.identity.principalId
    principalType: 'ServicePrincipal'
  }
}

resource appMetricsPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: insights
  name: guid(insights.id, functionApp.id, roles.monitoringMetricsPublisher)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.monitoringMetricsPublisher)
    principalId: functionApp.identity.principalId
    principalType: 'ServicePrincipal'
  }
}

// The operator who sets the secret values (optional).
resource operatorSecretsOfficer 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(secretsOfficerPrincipalId)) {
  scope: vault
  name: guid(vault.id, secretsOfficerPrincipalId, roles.keyVaultSecretsOfficer)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsOfficer)
    principalId: secretsOfficerPrincipalId
    principalType: secretsOfficerPrincipalType
  }
}

// ---------------------------------------------------------------------------
// Outputs
// ---------------------------------------------------------------------------

output functionAppName string = functionApp.name
output functionAppHostName string = functionApp.properties.defaultHostName
output apiBaseUrl string = 'https://${functionApp.properties.defaultHostName}/api/billing'
output stripeWebhookUrl string = 'https://${functionApp.properties.defaultHostName}/api/billing/stripe/webhook'
output retellWebhookUrl string = 'https://${functionApp.properties.defaultHostName}/api/billing/retell/webhook'
output keyVaultName string = vault.name
output keyVaultUri string = vault.properties.vaultUri
output storageAccountName string = storage.name
output applicationInsightsName string = insights.name
output principalId string = functionApp.identity.principalId
