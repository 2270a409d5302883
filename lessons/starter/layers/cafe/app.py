# The café's (very small) application: it says which version it is and where its Python lives.
import sys

print("Build cache café, version 1")
print("Python environment:", sys.prefix)
