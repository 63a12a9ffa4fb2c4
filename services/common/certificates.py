"""One graduate, one certificate: the wording shared by every place that refuses a second number."""


def already_certified(holder: dict) -> str:
    """The reason a listed student who already holds a valid number gets: number, school and date.

    `holder` is what numbering answers for a valid certificate: number, school_name, issue_date.
    """
    return (f"该生已有有效毕业证书（编号{holder['number']}，{holder['school_name']}，"
            f"{holder['issue_date']}发证），不能重复验印；如需更正请办理补发")
