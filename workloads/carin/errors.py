"""The error every CARIn input problem raises (the CLI turns it into exit status 2)."""


class CarinInputError(Exception):
    pass
