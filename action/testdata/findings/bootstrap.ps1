# The self-test of the GitHub Action must fail on this folder.
[Net.ServicePointManager]::ServerCertificateValidationCallback = { $true }
Invoke-WebRequest -Uri 'https://build.example.com/agent.zip' -SkipCertificateCheck
