"""regkg: a knowledge graph of England's NHS data release register.

The package is one core library; the CLI (``kg.cli``), the web app and the notebooks are thin
skins over the same functions.  Data flows one way:
``sources → records → resolve/extract → graph → store → query/flows/render``.
"""

__version__ = "0.1.0"
