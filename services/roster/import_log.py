"""The roster's import log: one row per import that stored something (a file, or a list verified again)."""
from sqlalchemy.orm import Session

from services.roster.tables import imports


def record(session: Session, school_code: str, kind: str, filename: str, actor: dict, rows: int,
           details: dict | None = None) -> None:
    """Log an import in the caller's transaction, so it is logged exactly when it is stored."""
    session.execute(imports.insert().values(school_code=school_code, kind=kind, filename=filename,
                                            username=actor["username"], rows=rows, details=details))
