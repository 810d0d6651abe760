@echo off
rem docker-credential-atcr, from a release tarball: runs the Node.js bundled beside this file.
rem When `update` has installed a newer copy (%LOCALAPPDATA%\atcr\client\current), that one runs.
setlocal
if not defined DOCKER_CREDENTIAL_ATCR_BINPATH set "DOCKER_CREDENTIAL_ATCR_BINPATH=%~f0"
set "UPDATED=%LOCALAPPDATA%\atcr\client\current\bin"
if defined DOCKER_CREDENTIAL_ATCR_DATA_DIR set "UPDATED=%DOCKER_CREDENTIAL_ATCR_DATA_DIR%\client\current\bin"
if not defined DOCKER_CREDENTIAL_ATCR_REDIRECTED if exist "%UPDATED%\node.exe" if /i not "%~dp0"=="%UPDATED%\" goto updated
"%~dp0node.exe" "%~dp0run.js" %*
exit /b %ERRORLEVEL%
:updated
set DOCKER_CREDENTIAL_ATCR_REDIRECTED=1
"%UPDATED%\node.exe" "%UPDATED%\run.js" %*
exit /b %ERRORLEVEL%
