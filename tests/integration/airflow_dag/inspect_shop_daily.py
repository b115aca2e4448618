"""Run inside the airflow image (by test_lesson_scheduled_pipeline_dag.py): load
shop_daily.py with Airflow itself, and print as JSON its tasks, its schedule's
interval for the run after 2020-11-22 00:00, its settings, and extract's
arguments rendered by the DAG's own Jinja environment for that interval.
"""

import importlib.util
import json

import pendulum
from airflow.serialization.decoders import decode_timetable
from airflow.serialization.encoders import encode_timetable

spec = importlib.util.spec_from_file_location("shop_daily", "/opt/airflow/dags/shop_daily.py")
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
dag = module.dag
core = decode_timetable(encode_timetable(dag.timetable))  # the scheduler's own timetable
interval = core.infer_manual_data_interval(run_after=pendulum.datetime(2020, 11, 22, tz="UTC"))
extract = dag.get_task("extract")
context = {"data_interval_start": interval.start, "data_interval_end": interval.end,
           "ds": interval.start.strftime("%Y-%m-%d"), "ds_nodash": interval.start.strftime("%Y%m%d")}
rendered = extract.render_template(extract.op_kwargs, context, jinja_env=dag.get_template_env())
print(json.dumps({
    "tasks": {t.task_id: sorted(t.downstream_task_ids) for t in dag.tasks},
    "interval": [interval.start.isoformat(), interval.end.isoformat()],
    "start_date": dag.start_date.isoformat(), "end_date": dag.end_date.isoformat(),
    "catchup": dag.catchup, "max_active_runs": dag.max_active_runs,
    "retries": {t.task_id: t.retries for t in dag.tasks},
    "rendered": rendered,
}))
