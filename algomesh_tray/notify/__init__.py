"""Desktop popups: the notification, the policy that decides which signals pop up (pause, quiet
hours, rules, storms, deadlines) and the backends that show them. No Qt."""
