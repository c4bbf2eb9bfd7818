"""`nncalc check` (see the checker issue); registered on the app by import."""
