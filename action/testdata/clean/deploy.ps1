# A clean deployment script: the self-test of the GitHub Action must pass on this folder.
# It mentions the triggers harmlessly: ServerCertificateValidationCallback is not set here,
# and SkipCertificateCheck is only described in this comment.
[Net.ServicePointManager]::SecurityProtocol = [Net.SecurityProtocolType]::Tls12
Invoke-RestMethod -Uri 'https://api.example.com/health'
