"""The printing service's print-site entry points: sites registered and revoked, their agents'
heartbeats and job progress, and the parts of a job an agent fetches. Mixed into PrintingService
(services.printing.service), whose `db`, `config` and `_renderer` they use."""
import logging
from collections.abc import Callable

from services.common.db import Database
from services.common.entrypoints import rpc
from services.printing import site_jobs, sites, status
from services.printing.broker import BrokerAdmin, agent_credentials
from services.printing.renderer import Renderer

log = logging.getLogger(__name__)


class PrintSiteEntrypoints:
    db: Database
    config: dict
    _renderer: Callable[[], Renderer]

    @rpc
    def register_site(self, org_code: str, name: str, actor: dict) -> dict:
        """A print site for an organisation; its agent's credentials are in the answer, this once."""
        with self.db.transaction() as session:
            site, secret = sites.create(session, org_code, name, actor["username"])
            BrokerAdmin.of_config(self.config).add_site(site["id"], secret)  # a broker failure rolls the site back
        log.info("%s registered print site %s (%s) for %s", actor["username"], site["id"], name, org_code)
        return {**sites.view(site), "credentials": agent_credentials(site, secret, self.config)}

    @rpc
    def revoke_site(self, site_id: str, actor: dict) -> dict:
        """Revoke a site: its broker user goes at once (connections closed), its jobs can no longer be fetched."""
        with self.db.transaction() as session:
            site = sites.revoke(session, site_id)
            BrokerAdmin.of_config(self.config).remove_site(site_id)
        log.info("%s revoked print site %s", actor["username"], site_id)
        return sites.view(site)

    @rpc
    def print_sites(self, org_codes: list[str] | None = None) -> list[dict]:
        """Sites (of these organisations, or all) with their printers, online or not, last seen."""
        with self.db.transaction() as session:
            return sites.listing(session, org_codes)

    @rpc
    def print_site(self, site_id: str) -> dict:
        with self.db.transaction() as session:
            return sites.view(sites.load(session, site_id))

    @status.site_status
    def on_site_status(self, body: dict, routing_key: str) -> None:
        """A heartbeat (the site's printers) or a job's progress, from the site the routing key names."""
        site_id = status.site_of(routing_key)
        if site_id is not None and isinstance(body, dict):
            with self.db.transaction() as session:
                status.record(session, site_id, body)

    @rpc
    def job_part(self, job_id: str, part: int, token: str) -> dict:
        """Part `part` of a site job as a PDF under UPLOAD_DIR/rendered, for the agent holding its token."""
        with self.db.transaction() as session:
            job, sheets = site_jobs.load_part(session, job_id, part, token)
        return self._renderer().job_part(job, part, sheets)
