"""A review's documents as files under UPLOAD_DIR/rendered, for the gateway, CUPS or a print site's
agent to read: callers get {path, filename}, never the file in a message."""
from collections.abc import Mapping

from services.common.db import DbHandle
from services.common.errors import NotFound
from services.printing import documents, profiles
from services.printing.layout import check_profile
from services.printing.preview import png_of_first_page
from services.printing.sources import Sources


class Renderer:
    """One worker's renderer: the services it gathers data from, its database (print profiles), its config."""

    def __init__(self, src: Sources, db: DbHandle, config: Mapping):
        self.src = src
        self.db = db
        self.upload_dir = config.get("UPLOAD_DIR", "var/uploads")
        self.public_url = config.get("PUBLIC_URL", "http://127.0.0.1:8000")

    def certificates(self, review_id: str, profile_name: str | None, only_seq: list[int] | None, preview: bool,
                     printer: str | None = None) -> dict:
        """The certificates (of `only_seq`, or all) as one PDF, with the profile named, else the
        printer's, else the default: {path, pages, filename, profile}."""
        review = self.src.get_review(review_id)
        with self.db.transaction() as session:
            profile = profiles.find(session, review["school_code"], profile_name, fallback=printer)
        data, pages = documents.certificates(self.src, review, profile, only_seq, bool(preview), self.public_url)
        path = documents.write(self.upload_dir, f"{review_id}-certificates", "pdf", data)
        name = f"{review['school_name']}{review['year']}{review['season']}毕业证书{'（预览）' if preview else ''}.pdf"
        return {"path": path, "pages": pages, "filename": name, "profile": profile["name"]}

    def preview_png(self, review_id: str, profile_values: dict, seq: int | None) -> dict:
        """Certificate `seq` (or the first) drawn with unsaved profile values on the blank form, as a PNG."""
        layout = check_profile({"name": "预览", **profile_values})
        review = self.src.get_review(review_id)
        chosen = [c["seq"] for c in self.src.certificates(review_id) if seq is None or c["seq"] == seq][:1]
        if not chosen:
            raise NotFound(f"没有序号为{seq}的有效证书")
        data, _ = documents.certificates(self.src, review, layout, chosen, True, self.public_url)
        png = documents.off_loop(png_of_first_page, data)
        return {"path": documents.write(self.upload_dir, f"{review_id}-preview", "png", png),
                "filename": f"预览-{chosen[0]}.png"}

    def form(self, review_id: str, name: str, fmt: str, stem: str | None = None) -> dict:
        """One form as PDF or XLSX, its file named from `stem` (default: review and form)."""
        _, data, filename = documents.form(self.src, review_id, name, fmt)
        return {"path": documents.write(self.upload_dir, stem or f"{review_id}-{name}", fmt, data),
                "filename": filename}

    def job_files(self, job: dict) -> tuple[list[str], int | None]:
        """A local print job's files, and its pages when it prints certificates."""
        if job["what"] == "certificates":
            done = self.certificates(job["review_id"], job["profile"], job["only_seq"], False, job["printer"])
            return [done["path"]], done["pages"]
        return [self.form(job["review_id"], name, "pdf")["path"] for name in job["forms"]], None

    def job_part(self, job: dict, part: int, sheets: list) -> dict:
        """Part `part` of a site job as a PDF: its `sheets` are list seqs, or the one form's name."""
        stem = f"{job['id']}-{part}"
        if job["what"] == "certificates":
            path = self.certificates(job["review_id"], job["profile"], sheets, False, job["printer"])["path"]
        else:
            path = self.form(job["review_id"], sheets[0], "pdf", stem)["path"]
        return {"path": path, "filename": f"{stem}.pdf"}
