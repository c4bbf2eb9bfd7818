from nncalc.cli import app

app(prog_name="nncalc")
