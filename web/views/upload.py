"""Add a plan (only with --allow-upload): validate, keep the file, rebuild in the background.

A rebuild re-uses the plan models of the live build (the original source
files are not kept in a build) plus the new plan, so the corpus never has to
be found again; the uploaded file itself is kept in DATA/uploads/.
"""

from __future__ import annotations

import json
import re
import tempfile
import threading
import time
import uuid
from pathlib import Path

from flask import Blueprint, current_app, redirect, request, url_for
from werkzeug.utils import secure_filename

from ingest import SUPPORTED_SUFFIXES, IngestError, parse_file
from ingest.planset import PlanSet, plan_key
from web.datadir import plan_set
from web.errors import BadParameter, Forbidden, NotFound
from web.render import page
from web.state import data_dir

bp = Blueprint("upload", __name__)

JOBS_KEY = "plangraph.jobs"
#: One rebuild at a time: each starts from the build the one before it published, so no upload is lost.
REBUILD_LOCK = threading.Lock()


def require_upload() -> None:
    """Refuse unless the server was started with --allow-upload."""
    if not current_app.config["ALLOW_UPLOAD"]:
        raise Forbidden("本服务器未开放上传；请用 plangraph serve --allow-upload 启动。")


@bp.route("/upload", methods=["GET", "POST"])
@page("upload.html")
def upload():
    """The upload form; a POST validates the file, then starts the rebuild and shows its progress."""
    require_upload()
    jobs = current_app.extensions.setdefault(JOBS_KEY, {})
    if request.method == "GET":
        return {"jobs": sorted(jobs.values(), key=lambda j: -j["started"])[:10],
                "suffixes": list(SUPPORTED_SUFFIXES)}
    sent = request.files.get("file")
    if sent is None or not sent.filename:
        raise BadParameter("请选择要上传的规划文件。")
    name = safe_name(sent.filename)
    uploads = Path(current_app.config["DATA_DIR"]) / "uploads"
    uploads.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        staged = Path(tmp) / name
        sent.save(staged)
        plan = validate(staged)
        final = uploads / name
        staged.replace(final) if not final.exists() else refuse_duplicate(name)
    job = start_job(current_app._get_current_object(), plan, final)
    return redirect(url_for("upload.job", job_id=job["id"]), code=303)


def safe_name(filename: str) -> str:
    """A file name safe to store: keep CJK characters, drop paths, check the suffix."""
    suffix = Path(filename).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise BadParameter(f"不支持的文件类型“{suffix or '无扩展名'}”；请上传 {'、'.join(SUPPORTED_SUFFIXES)} 文件。")
    stem = re.sub(r"[^\w\u4e00-\u9fff-]+", "_", Path(filename).stem).strip("_") or secure_filename(filename)
    return (stem or "plan")[:80] + suffix


def refuse_duplicate(name: str) -> None:
    """Refuse a file whose name was uploaded before."""
    raise BadParameter(f"已上传过同名文件“{name}”；请改名后再上传。")


def validate(path: Path):
    """Parse the file now, so a bad one is refused with the reason and nothing changes."""
    try:
        plan = parse_file(path)
    except IngestError as exc:
        raise BadParameter(f"无法读取该文件：{exc}") from None
    if not list(plan.walk()):
        raise BadParameter("文件中没有识别出任何条目，可能不是规划文件。")
    from web.state import corpus

    if plan.id in corpus().by_id:
        raise BadParameter(f"已有编号为“{plan.id}”的规划；请改名后再上传。")
    return plan


def start_job(app, plan, kept: Path) -> dict:
    """Start the background rebuild with the new plan and return its job record."""
    job = {"id": uuid.uuid4().hex[:12], "plan": plan.title, "plan_id": plan.id, "state": "running",
           "step": "排队中", "started": time.time(), "error": ""}
    app.extensions.setdefault(JOBS_KEY, {})[job["id"]] = job
    threading.Thread(target=run_job, args=(app, job, plan, kept), daemon=True).start()
    return job


def run_job(app, job: dict, plan, kept: Path) -> None:
    """Rebuild from the live build's plans plus the new one; on failure remove the kept file too."""
    from web.build import publish_plans

    with app.app_context(), REBUILD_LOCK:
        data = data_dir()
        try:
            with tempfile.TemporaryDirectory() as tmp:
                plans = with_new_plan(data.require(), plan, Path(tmp))
                job["step"] = "构建知识图谱与检索索引"
                publish_plans(plans, data, progress=lambda step: job.update(step=step))
            job.update(state="done", step="完成")
        except Exception as exc:  # the job page shows the failure; the live build is untouched
            kept.unlink(missing_ok=True)
            job.update(state="failed", step="失败", error=str(exc))


def with_new_plan(build: Path, plan, folder: Path) -> PlanSet:
    """The live build's plans (read one at a time from its model files) and the new plan, stored in ``folder``."""
    current = plan_set(build)
    if any(path.stem == plan.id for path in current.paths):
        raise ValueError(f"已有编号为“{plan.id}”的规划。")
    path = folder / f"{plan.id}.json"
    path.write_text(json.dumps(plan.to_dict(), ensure_ascii=False), encoding="utf-8")
    return PlanSet([*zip(current.keys, current.paths, strict=True), (plan_key(plan), path)])


@bp.route("/upload/<job_id>")
@page("upload_job.html")
def job(job_id: str) -> dict:
    """The progress of one upload (the page polls its JSON twin)."""
    require_upload()
    found = current_app.extensions.get(JOBS_KEY, {}).get(job_id)
    if found is None:
        raise NotFound(f"没有编号为“{job_id}”的上传任务。")
    return {"job": found}
