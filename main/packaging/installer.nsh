; Windows installer additions (NSIS, included by electron-builder): an option to start the
; station when Windows starts, for every user of the machine (the install is per-machine).
; Interactive: a checkbox page, checked by default. Silent (IT deployment):
;   "Ward Station Setup.exe" /S /STARTONLOGIN
!include nsDialogs.nsh
!include LogicLib.nsh
!include FileFunc.nsh

Var StartOnLoginCheckbox
Var StartOnLogin

!macro customPageAfterChangeDir
  Page custom StartOnLoginPage StartOnLoginLeave
!macroend

Function StartOnLoginPage
  nsDialogs::Create 1018
  Pop $0
  ${NSD_CreateCheckbox} 0 0 100% 24u "Start the ward station when Windows starts (recommended on ward workstations: alarms only sound while it runs)"
  Pop $StartOnLoginCheckbox
  ${NSD_Check} $StartOnLoginCheckbox
  nsDialogs::Show
FunctionEnd

Function StartOnLoginLeave
  ${NSD_GetState} $StartOnLoginCheckbox $StartOnLogin
FunctionEnd

!macro customInstall
  ${GetParameters} $R0
  ClearErrors
  ${GetOptions} $R0 "/STARTONLOGIN" $R1
  ${IfNot} ${Errors}
    StrCpy $StartOnLogin ${BST_CHECKED}
  ${EndIf}
  ${If} $StartOnLogin == ${BST_CHECKED}
    WriteRegStr HKLM "Software\Microsoft\Windows\CurrentVersion\Run" "WardStation" '"$INSTDIR\${APP_EXECUTABLE_FILENAME}"'
  ${EndIf}
!macroend

!macro customUnInstall
  DeleteRegValue HKLM "Software\Microsoft\Windows\CurrentVersion\Run" "WardStation"
!macroend
