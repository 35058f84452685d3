// Doubles of the Inno Setup support functions the installer's [Code] calls, for Free Pascal:
// tests/unit/test_inno_setup_code.py compiles that [Code] against this unit and runs its events.
// Each behaves as jrsoftware.org/ishelp documents it; the registry is HKEY_CURRENT_USER only
// (the installer is per user), its key paths and value names case-insensitive as Windows' are.
// State lives in a text file, one line per key ("K|path") or value ("V|path|name|type|data").
unit InnoDouble;

{$mode delphi}{$H+}

interface

uses SysUtils, Classes;

type
  TSetupStep = (ssPreInstall, ssInstall, ssPostInstall, ssDone);
  TUninstallStep = (usAppMutexCheck, usUninstall, usPostUninstall, usDone);

const
  HKEY_CURRENT_USER = 1;

var
  AppDir: String;  // what ExpandConstant('{app}') returns

function RegKeyExists(const RootKey: Integer; const SubKeyName: String): Boolean;
function RegQueryStringValue(const RootKey: Integer; const SubKeyName, ValueName: String;
  var ResultStr: String): Boolean;
function RegValueExists(const RootKey: Integer; const SubKeyName, ValueName: String): Boolean;
function RegWriteExpandStringValue(const RootKey: Integer; const SubKeyName, ValueName, Data: String): Boolean;
function RegDeleteValue(const RootKey: Integer; const SubKeyName, ValueName: String): Boolean;
function ExpandConstant(const S: String): String;
procedure LoadRegistry(const FileName: String);
procedure SaveRegistry(const FileName: String);

implementation

var
  Lines: TStringList;

procedure CheckRoot(const RootKey: Integer);
begin
  if RootKey <> HKEY_CURRENT_USER then
    raise Exception.Create('only HKEY_CURRENT_USER is modelled');
end;

function Field(const Line: String; Index: Integer): String;
var
  Rest: String;
  At, I: Integer;
begin
  Rest := Line;
  for I := 0 to Index - 1 do
    Rest := Copy(Rest, Pos('|', Rest) + 1, Length(Rest));
  At := Pos('|', Rest);
  if (At = 0) or (Index = 4) then
    Result := Rest
  else
    Result := Copy(Rest, 1, At - 1);
end;

function FindKey(const Path: String): Integer;
var
  I: Integer;
begin
  for I := 0 to Lines.Count - 1 do
    if (Field(Lines[I], 0) = 'K') and (CompareText(Field(Lines[I], 1), Path) = 0) then
      Exit(I);
  Result := -1;
end;

function FindValue(const Path, Name: String): Integer;
var
  I: Integer;
begin
  for I := 0 to Lines.Count - 1 do
    if (Field(Lines[I], 0) = 'V') and (CompareText(Field(Lines[I], 1), Path) = 0)
      and (CompareText(Field(Lines[I], 2), Name) = 0) then
      Exit(I);
  Result := -1;
end;

// "Returns True if the specified registry key exists."
function RegKeyExists(const RootKey: Integer; const SubKeyName: String): Boolean;
begin
  CheckRoot(RootKey);
  Result := FindKey(SubKeyName) >= 0;
end;

// "Queries the specified REG_SZ- or REG_EXPAND_SZ-type value ... When False is returned,
// ResultStr is unmodified." An expand string comes back unexpanded.
function RegQueryStringValue(const RootKey: Integer; const SubKeyName, ValueName: String;
  var ResultStr: String): Boolean;
var
  I: Integer;
begin
  CheckRoot(RootKey);
  I := FindValue(SubKeyName, ValueName);
  Result := (I >= 0) and ((Field(Lines[I], 3) = 'REG_SZ') or (Field(Lines[I], 3) = 'REG_EXPAND_SZ'));
  if Result then
    ResultStr := Field(Lines[I], 4);
end;

// "Returns True if the specified registry value exists", whatever its type.
function RegValueExists(const RootKey: Integer; const SubKeyName, ValueName: String): Boolean;
begin
  CheckRoot(RootKey);
  Result := FindValue(SubKeyName, ValueName) >= 0;
end;

// "Writes the specified REG_EXPAND_SZ-type value": the key is created if missing, a value of
// the same name (whatever its type) replaced.
function RegWriteExpandStringValue(const RootKey: Integer; const SubKeyName, ValueName, Data: String): Boolean;
var
  I: Integer;
begin
  CheckRoot(RootKey);
  if FindKey(SubKeyName) < 0 then
    Lines.Add('K|' + SubKeyName);
  I := FindValue(SubKeyName, ValueName);
  if I >= 0 then
    Lines.Delete(I);
  Lines.Add('V|' + SubKeyName + '|' + ValueName + '|REG_EXPAND_SZ|' + Data);
  Result := True;
end;

// "Deletes the specified value. Returns True if successful" (False for a missing one).
function RegDeleteValue(const RootKey: Integer; const SubKeyName, ValueName: String): Boolean;
var
  I: Integer;
begin
  CheckRoot(RootKey);
  I := FindValue(SubKeyName, ValueName);
  Result := I >= 0;
  if Result then
    Lines.Delete(I);
end;

// Only {app} is modelled; Inno raises on a constant it does not know, and so does this.
function ExpandConstant(const S: String): String;
begin
  if S <> '{app}' then
    raise Exception.Create('unexpected constant: ' + S);
  Result := AppDir;
end;

procedure LoadRegistry(const FileName: String);
begin
  if FileExists(FileName) then
    Lines.LoadFromFile(FileName);
end;

procedure SaveRegistry(const FileName: String);
begin
  Lines.SaveToFile(FileName);
end;

initialization
  Lines := TStringList.Create;
end.
