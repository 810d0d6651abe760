# Installs docker-credential-atcr on Windows from a release host, with its own Node.js.
#
#   & ([scriptblock]::Create((irm @@DEFAULT_HOST@@/install.ps1))) -Channel beta
#   install.ps1 [-Channel stable|beta] [-Prefix DIR] [-ReleaseHost URL]     ($env:ATCR_RELEASE_HOST sets the host)
#
# Same steps as install.sh: the channel manifest's Ed25519 signature is checked with the release key
# below (by the Node.js of an existing install, else refused), then the tarball's SHA-256; the release is
# unpacked into %LOCALAPPDATA%\atcr\client\<version>-<sha> (where @oclif/plugin-update keeps releases) and PREFIX\bin\docker-credential-atcr.cmd is written.
param(
  [ValidateSet('stable', 'beta')][string]$Channel = 'stable',
  [string]$Prefix = (Join-Path $HOME '.local'),
  [string]$ReleaseHost = $(if ($env:ATCR_RELEASE_HOST) { $env:ATCR_RELEASE_HOST } else { '@@DEFAULT_HOST@@' })
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3
$Bin = 'docker-credential-atcr'
$ReleaseKey = @'
@@PUBLIC_KEY@@
'@

function Fail([string]$Message) {
  [Console]::Error.WriteLine("install.ps1: $Message")
  exit 1
}

$ReleaseHost = $ReleaseHost.TrimEnd('/')
$uri = [Uri]$ReleaseHost
if (-not ($uri.Scheme -eq 'https' -or ($uri.Scheme -eq 'http' -and $uri.IsLoopback))) {
  Fail "refusing the release host ${ReleaseHost}: it must be https (plain http only on a loopback address)"
}
if ($ReleaseKey -notmatch 'BEGIN PUBLIC KEY') {
  Fail 'this installer comes from an unsigned release and cannot verify what it downloads; use a signed release'
}
$arch = switch ($env:PROCESSOR_ARCHITECTURE) { 'AMD64' { 'x64' } default { Fail "unsupported processor $($env:PROCESSOR_ARCHITECTURE): releases exist for x64" } }
if (-not (Get-Command tar.exe -ErrorAction SilentlyContinue)) { Fail 'needs tar.exe (Windows 10 1803 or newer)' }

$tmp = Join-Path ([IO.Path]::GetTempPath()) ("atcr-install-" + [Guid]::NewGuid())
New-Item -ItemType Directory $tmp | Out-Null
try {
  $manifestPath = "channels/$Channel/$Bin-win32-$arch-buildmanifest"
  $manifestFile = Join-Path $tmp 'manifest'
  try { Invoke-WebRequest -UseBasicParsing -Uri "$ReleaseHost/$manifestPath" -OutFile $manifestFile } catch { Fail "no $Channel release for win32-$arch at $ReleaseHost" }
  try { $signature = (Invoke-WebRequest -UseBasicParsing -Uri "$ReleaseHost/$manifestPath.sig").Content } catch { Fail "the $Channel manifest at $ReleaseHost is not signed: refusing it" }
  if ($signature -is [byte[]]) { $signature = [Text.Encoding]::ASCII.GetString($signature) }

  # .NET has no Ed25519 before .NET 9: verify with a Node.js already here (an earlier install's, or
  # PATH's); without one, the manifest must be byte for byte the one this installer was released with
  # (its SHA-256 is written below by `npm run release`, so the trust is that of this script's download).
  $node = @(
    (Join-Path $env:LOCALAPPDATA 'atcr\client\current\bin\node.exe'),
    (Get-Command node.exe -ErrorAction SilentlyContinue | ForEach-Object Source)
  ) | Where-Object { $_ -and (Test-Path $_) } | Select-Object -First 1
  $pinned = @{
@@MANIFEST_PINS@@
  }
  if ($node) {
    $keyFile = Join-Path $tmp 'key.pem'
    $sigFile = Join-Path $tmp 'manifest.sig'
    Set-Content -NoNewline -Path $keyFile -Value $ReleaseKey
    Set-Content -NoNewline -Path $sigFile -Value $signature.Trim()
    $check = 'const {readFileSync: r} = require("node:fs"), c = require("node:crypto"); process.exit(c.verify(null, r(process.argv[1]), c.createPublicKey(r(process.argv[2])), Buffer.from(r(process.argv[3], "utf8").trim(), "base64")) ? 0 : 1)'
    & $node -e $check $manifestFile $keyFile $sigFile
    if ($LASTEXITCODE -ne 0) { Fail "the $Channel manifest's signature does not verify: refusing it (nothing was installed)" }
  } elseif ($pinned[$manifestPath] -ne (Get-FileHash -Algorithm SHA256 $manifestFile).Hash.ToLower()) {
    Fail "the $Channel manifest is not the one this installer was released with, and no Node.js is here to check its signature: download install.ps1 again"
  }

  $manifest = Get-Content -Raw $manifestFile | ConvertFrom-Json
  if ($manifest.bin -ne $Bin -or $manifest.platform -ne 'win32' -or $manifest.arch -ne $arch) {
    Fail "the signed manifest is not for $Bin $Channel win32-${arch}: refusing it"
  }
  if ($manifest.sha256gz -notmatch '^[0-9a-f]{64}$') { Fail 'the manifest carries no SHA-256 of the tarball: refusing it' }
  if ($manifest.sha -notmatch '^[0-9a-f]{7,40}$') { Fail 'the manifest names no commit sha' }
  if ($manifest.baseDir -notmatch '^[0-9A-Za-z_-][0-9A-Za-z._-]*$') { Fail 'the manifest names an unsafe directory' }
  if ($manifest.version -notmatch '^[0-9A-Za-z.+-]+$') { Fail 'the manifest names no valid version' }
  # oclif's layout (docs/releasing.md): the tarball is found below this host, whatever host `gz` names.
  $release = "$($manifest.version)-$($manifest.sha)"
  $gz = "versions/$($manifest.version)/$($manifest.sha)/$Bin-v$release-win32-$arch.tar.gz"

  [Console]::Error.WriteLine("Downloading $Bin $($manifest.version) ($Channel, win32-$arch) from $ReleaseHost")
  $tarball = Join-Path $tmp 'release.tar.gz'
  Invoke-WebRequest -UseBasicParsing -Uri "$ReleaseHost/$gz" -OutFile $tarball
  if ((Get-FileHash -Algorithm SHA256 $tarball).Hash.ToLower() -ne $manifest.sha256gz) {
    Fail "the tarball's SHA-256 does not match the signed manifest: refusing it (nothing was installed)"
  }

  $data = if ($env:DOCKER_CREDENTIAL_ATCR_DATA_DIR) { $env:DOCKER_CREDENTIAL_ATCR_DATA_DIR } else { Join-Path $env:LOCALAPPDATA 'atcr' }
  $client = Join-Path $data 'client'
  $staging = Join-Path $client (".staging-" + [Guid]::NewGuid())
  New-Item -ItemType Directory -Force $staging | Out-Null
  tar.exe -xzf $tarball -C $staging
  if ($LASTEXITCODE -ne 0) { Fail "cannot unpack the tarball into $client" }
  $unpacked = Join-Path $staging $manifest.baseDir
  if (-not (Test-Path (Join-Path $unpacked 'bin\node.exe'))) { Fail "the tarball holds no $($manifest.baseDir)\bin\node.exe" }
  $destination = Join-Path $client $release
  if (Test-Path $destination) { Remove-Item -Recurse -Force $destination }
  Move-Item $unpacked $destination
  Remove-Item -Recurse -Force $staging
  $current = Join-Path $client 'current'
  if (Test-Path $current) { (Get-Item $current).Delete() }
  New-Item -ItemType Junction -Path $current -Target $destination | Out-Null
  Set-Content -NoNewline -Path (Join-Path $data 'release-host') -Value $ReleaseHost
  Set-Content -NoNewline -Path (Join-Path $data 'channel') -Value $Channel

  $binDir = Join-Path $Prefix 'bin'
  New-Item -ItemType Directory -Force $binDir | Out-Null
  $launcher = Join-Path $binDir "$Bin.cmd"
  $lines = @(
    '@echo off',
    "rem $Bin, written by install.ps1: runs the release in $current with the Node.js inside it.",
    'setlocal',
    'set "DOCKER_CREDENTIAL_ATCR_BINPATH=%~f0"',
    "set `"DOCKER_CREDENTIAL_ATCR_DATA_DIR=$data`"",
    'set DOCKER_CREDENTIAL_ATCR_REDIRECTED=1',
    "`"$current\bin\node.exe`" `"$current\bin\run.js`" %*"
  )
  Set-Content -Path $launcher -Value ($lines -join "`r`n") -Encoding ASCII

  & $launcher --version
  if ($LASTEXITCODE -ne 0) { Fail "the installed $launcher does not start" }
  [Console]::Error.WriteLine("Installed $Bin $($manifest.version) ($Channel) as $launcher.")
  $userPath = [Environment]::GetEnvironmentVariable('Path', 'User')
  if (-not (($userPath -split ';') -contains $binDir)) {
    [Environment]::SetEnvironmentVariable('Path', "$binDir;$userPath", 'User')
    [Console]::Error.WriteLine("Added $binDir to your PATH (new terminals, and Docker Desktop after a restart, see it).")
  }
  [Console]::Error.WriteLine("Next, run: $Bin configure-docker")
} finally {
  Remove-Item -Recurse -Force $tmp -ErrorAction SilentlyContinue
}
