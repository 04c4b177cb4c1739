"""Review and issuance: turning decided licences into stored, signed credentials."""
