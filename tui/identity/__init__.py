"""Who the console is: keyring-held keys (creds), the SSO device login (sso), the profiles offered (profiles).

No Textual here: the app and the CLI call these."""
