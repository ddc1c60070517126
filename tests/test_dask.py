"""DaskRNNForecaster on a real distributed.LocalCluster (2 worker processes, 1 thread each)."""

import os
import signal
import subprocess
import sys
import threading

import numpy as np
import pandas as pd
import pytest

dask = pytest.importorskip("dask")
dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")

from tsrnn import RNNForecaster  # noqa: E402
from tsrnn.dask import DaskRNNForecaster  # noqa: E402

# a smooth loss: the gradients of partitions and chunks are summed in different orders, and
# MAE's sign(error) turns a last-bit difference of an error near zero into a whole step
SETTINGS = {"horizon": 6, "hidden_size": 8, "batch_size": 32, "max_epochs": 3, "random_state": 0,
            "loss": "mse"}  # fmt: skip


def make_panel(n_series=8, length=120, seed=0):
    """Hourly long-format panel: daily cycles of different phases and levels."""
    rng = np.random.default_rng(seed)
    t = np.arange(length)
    frames = [
        pd.DataFrame({
            "unique_id": f"s{i:02d}",
            "ds": pd.date_range("2024-01-01", periods=length, freq="h"),
            "y": 10 + i + 3 * np.sin(2 * np.pi * t / 24 + i) + rng.normal(0, 0.3, length),
        })
        for i in range(n_series)
    ]  # fmt: skip
    return pd.concat(frames, ignore_index=True)


def to_dask(df, npartitions=2):
    """Partitioned by series: a series' rows never span two partitions."""
    return dd.from_pandas(df.set_index("unique_id"), npartitions=npartitions, sort=True)


@pytest.fixture(scope="module")
def client():
    # The tests kill workers, which their nannies restart under the same names. 15 s after a
    # worker is lost (lost-worker-timeout), the cluster closes its nanny for good if no worker
    # of that name is registered at that moment: a timer left by one test's kill could fire
    # while a later test's victim of the same name restarts, and leave one worker.
    with dask.config.set({"distributed.deploy.lost-worker-timeout": "1h"}), \
            distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                     dashboard_address=":0") as cluster, \
            distributed.Client(cluster) as client:  # fmt: skip
        yield client


@pytest.fixture(scope="module")
def panel():
    return make_panel()


@pytest.fixture(scope="module")
def fitted(client, panel):
    return DaskRNNForecaster(**SETTINGS).fit(to_dask(panel))


def test_import_tsrnn_does_not_import_dask():
    code = (
        "import sys, tsrnn; tsrnn.RNNForecaster; tsrnn.backtest; "
        "print(sorted(m for m in ('dask', 'distributed') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_parameters_are_those_of_rnnforecaster_and_client():
    params = DaskRNNForecaster().get_params()
    assert set(params) == set(RNNForecaster().get_params()) | {"client", "local_steps"}
    assert DaskRNNForecaster(hidden_size=3).set_params(window=10).get_params()["window"] == 10
    with pytest.raises(TypeError, match="unexpected"):
        DaskRNNForecaster(hidden=3)


def test_fit_predict_partial_fit(client, panel, fitted):
    ddf = to_dask(panel)
    forecast = fitted.predict(ddf)
    assert isinstance(forecast, dd.DataFrame)
    out = forecast.compute().sort_values(["unique_id", "ds"]).reset_index(drop=True)
    assert list(out.columns) == ["unique_id", "ds", "y"]
    assert len(out) == 8 * 6 and np.isfinite(out["y"]).all()
    assert out["ds"].min() == panel["ds"].max() + pd.Timedelta("1h")
    # after the training data: the same histories, kept on the workers
    after = fitted.predict().compute().sort_values(["unique_id", "ds"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(after, out)

    before = fitted.params_.copy()
    n_iter, steps = fitted.n_iter_, fitted.t_
    fitted.partial_fit(to_dask(make_panel(seed=1)))
    assert fitted.n_iter_ == n_iter + 1 and fitted.t_ > steps
    assert not np.array_equal(fitted.params_, before)
    assert fitted.optimizer_.t == fitted.t_


def test_one_partition_is_the_local_estimator_bit_for_bit(client, panel):
    cluster_model = DaskRNNForecaster(**SETTINGS).fit(to_dask(panel, npartitions=1))
    local = RNNForecaster(**SETTINGS).fit(panel)
    np.testing.assert_array_equal(cluster_model.params_, local.params_)
    assert cluster_model.validation_scores_ == local.validation_scores_


@pytest.mark.parametrize("options", [
    {"calendar_features": True, "quantiles": [0.1, 0.9], "linear_lags": 4},
    {"ema_momentum": 0.9, "target_transform": "log", "cell": "gru", "dtype": "float64"},
])  # fmt: skip
def test_options_match_the_local_estimator(client, panel, options):
    settings = dict(SETTINGS, **options)
    cluster_model = DaskRNNForecaster(**settings).fit(to_dask(panel, npartitions=1))
    local = RNNForecaster(**settings).fit(panel)
    # bit-identical when both processes run the same compiled kernels (a warm Numba cache);
    # kernels compiled afresh in each process once differed here by 6e-17 (GRU, float64)
    np.testing.assert_allclose(cluster_model.params_, local.params_, rtol=0, atol=1e-12)
    forecast = cluster_model.predict().compute().sort_values(["unique_id", "ds"])
    np.testing.assert_allclose(forecast["y"].to_numpy(), local.predict()["y"].to_numpy())
    np.testing.assert_allclose(cluster_model.to_local()._residuals, local._residuals)


def test_two_partitions_match_the_local_estimator_to_rounding(client, panel):
    cluster_model = DaskRNNForecaster(**SETTINGS).fit(to_dask(panel, npartitions=2))
    local = RNNForecaster(**SETTINGS).fit(panel)
    np.testing.assert_allclose(cluster_model.params_, local.params_, atol=1e-5)


def test_to_local_round_trip(client, panel, tmp_path):
    model = DaskRNNForecaster(**SETTINGS).fit(to_dask(panel))
    local = model.to_local()
    assert isinstance(local, RNNForecaster)
    np.testing.assert_array_equal(local.params_, model.params_)
    on_cluster = model.predict(to_dask(panel)).compute().sort_values(["unique_id", "ds"])
    here = local.predict(panel).sort_values(["unique_id", "ds"])
    np.testing.assert_allclose(here["y"].to_numpy(), on_cluster["y"].to_numpy(), rtol=1e-6)
    after = local.predict().sort_values(["unique_id", "ds"])  # the tails came along
    np.testing.assert_allclose(after["y"].to_numpy(), on_cluster["y"].to_numpy(), rtol=1e-6)
    local.save(tmp_path / "m.tsrnn")
    loaded = RNNForecaster.load(tmp_path / "m.tsrnn")
    np.testing.assert_allclose(loaded.predict(panel)["y"].to_numpy(), here["y"].to_numpy())
    loaded.partial_fit(panel)

    back = DaskRNNForecaster.from_local(loaded)
    np.testing.assert_array_equal(back.params_, loaded.params_)
    again = back.predict(to_dask(panel)).compute().sort_values(["unique_id", "ds"])
    np.testing.assert_allclose(
        again["y"].to_numpy(), loaded.predict(panel).sort_values(["unique_id", "ds"])["y"],
        rtol=1e-6,
    )  # fmt: skip
    # partial_fit goes on from the local weights and optimizer state, as the local one does
    back.partial_fit(to_dask(panel))
    loaded.partial_fit(panel)
    assert back.optimizer_.t == loaded.optimizer_.t
    np.testing.assert_allclose(back.params_, loaded.params_, atol=1e-5)
    with pytest.raises(ValueError, match="from_local"):
        back.__class__.from_local(loaded).predict()


def test_same_model_for_one_and_two_workers(client, panel):
    models = {}
    for steps in (1, 3):  # synchronous, and local SGD
        models[steps] = DaskRNNForecaster(local_steps=steps, **SETTINGS).fit(to_dask(panel))
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=True, dashboard_address=":0"
    ) as cluster, distributed.Client(cluster, set_as_default=False) as single:  # fmt: skip
        for steps, two in models.items():
            one = DaskRNNForecaster(client=single, local_steps=steps, **SETTINGS)
            one.fit(to_dask(panel))
            np.testing.assert_array_equal(one.params_, two.params_)  # bit-identical
            assert one.validation_scores_ == two.validation_scores_


def test_local_sgd(client, panel, monkeypatch):
    from tsrnn import _config

    ddf = to_dask(panel, npartitions=4)
    settings = dict(SETTINGS, batch_size=96, max_epochs=4)
    sync = DaskRNNForecaster(**settings).fit(ddf)
    local = DaskRNNForecaster(local_steps=3, **settings).fit(ddf)
    # as many exchanges a step; each of its steps is 3 optimizer steps on every partition
    assert local.t_ == sync.t_ and local.step_stats_["steps"] == sync.step_stats_["steps"]
    assert local.optimizer_.t == 3 * local.t_
    assert not np.array_equal(local.params_, sync.params_)
    assert local.validation_scores_[-1] < 1.1 * sync.validation_scores_[-1]  # as good
    forecast = local.predict().compute()
    assert len(forecast) == 8 * 6 and np.isfinite(forecast["y"]).all()
    # the weights and optimizer go out in each task or once: the same model
    monkeypatch.setattr(_config, "DASK_SHARED_WEIGHTS_TASKS", 1)
    once = DaskRNNForecaster(local_steps=3, **settings).fit(ddf)
    np.testing.assert_array_equal(once.params_, local.params_)
    # partial_fit goes on with local steps; to_local keeps the averaged optimizer state
    steps = local.optimizer_.t
    local.partial_fit(ddf)
    assert local.optimizer_.t > steps and local.to_local().optimizer_.t == local.optimizer_.t
    with pytest.raises(ValueError, match="local_steps"):
        DaskRNNForecaster(local_steps=0, **SETTINGS).fit(ddf)


def test_weights_sent_once_or_with_every_task_give_the_same_model(client, panel, monkeypatch):
    from tsrnn import _config

    ddf = to_dask(panel, npartitions=4)
    each = DaskRNNForecaster(**SETTINGS).fit(ddf)
    monkeypatch.setattr(_config, "DASK_SHARED_WEIGHTS_TASKS", 1)
    once = DaskRNNForecaster(**SETTINGS).fit(ddf)
    np.testing.assert_array_equal(once.params_, each.params_)
    assert once.validation_scores_ == each.validation_scores_
    # 4 tasks a step: the weights sent 4 times or once, 4 gradients back
    assert each.step_stats_["bytes_per_step"] == pytest.approx(8 * each.params_.nbytes, rel=0.1)
    assert once.step_stats_["bytes_per_step"] == pytest.approx(5 * once.params_.nbytes, rel=0.1)


@pytest.mark.parametrize(("shared_weights", "local_steps"), [(False, 1), (True, 1), (True, 2)])
def test_a_worker_killed_during_fit(client, panel, monkeypatch, shared_weights, local_steps):
    from tsrnn import _config
    from tsrnn._dask import client as dask_client

    if shared_weights:  # the weights as a task of their own, which the killed one may hold
        monkeypatch.setattr(_config, "DASK_SHARED_WEIGHTS_TASKS", 1)
    settings = dict(SETTINGS, batch_size=8, max_epochs=3, early_stopping=False,
                    local_steps=local_steps)  # fmt: skip
    undisturbed = DaskRNNForecaster(**settings).fit(to_dask(panel))
    pids = client.run(os.getpid)
    step = dask_client._DaskTrainer.step
    steps, tenth_step, done, victim = [], threading.Event(), threading.Event(), []

    def counted_step(trainer, idx):
        steps.append(1)
        if len(steps) == 10:  # the worker holding the first shard (training windows)
            victim.append(client.who_has(trainer.shards[:1])[trainer.shards[0].key][0])
            tenth_step.set()
        return step(trainer, idx)

    def kill():
        # preferably while that worker computes a gradient: its task is then rerun
        tenth_step.wait(60)
        for _ in range(200):
            if any("_shard_gradient" in key for key in client.processing()[victim[0]]):
                break
        victim.append(not done.is_set())
        os.kill(pids[victim[0]], signal.SIGKILL)

    monkeypatch.setattr(dask_client._DaskTrainer, "step", counted_step)
    thread = threading.Thread(target=kill)
    thread.start()
    disturbed = DaskRNNForecaster(**settings).fit(to_dask(panel))
    done.set()
    thread.join()
    assert victim[1], "the worker was killed after the fit"
    assert len(steps) == undisturbed.t_ == disturbed.t_
    # the lost shard is rebuilt and its gradients recomputed: nothing differs
    np.testing.assert_array_equal(disturbed.params_, undisturbed.params_)
    assert victim[0] not in client.scheduler_info()["workers"]  # it is gone for good
    client.wait_for_workers(2, timeout=60)


def test_workers_without_tsrnn_or_with_another_version(client, panel):
    model = DaskRNNForecaster(**SETTINGS)
    client.run(exec, "import tsrnn; tsrnn.__version__ = '0.0.1'")
    try:
        with pytest.raises(RuntimeError, match=r"has tsrnn 0\.0\.1"):
            model.fit(to_dask(panel))
    finally:
        client.run(exec, "import sys; sys.modules['tsrnn'].__version__ = '0.1.0'")
    client.run(exec, "import sys; sys.modules['_tsrnn'] = sys.modules['tsrnn']; "
                     "sys.modules['tsrnn'] = None")  # fmt: skip
    try:
        with pytest.raises(RuntimeError, match="cannot import tsrnn"):
            model.fit(to_dask(panel))
    finally:
        client.run(exec, "import sys; sys.modules['tsrnn'] = sys.modules.pop('_tsrnn')")
    assert not hasattr(model, "params_")


def test_bad_input(client, panel):
    with pytest.raises(TypeError, match="dask.dataframe.DataFrame"):
        DaskRNNForecaster(**SETTINGS).fit(panel)
    with pytest.raises(TypeError, match="covariate columns must be numeric"):
        DaskRNNForecaster(**SETTINGS).fit(to_dask(panel.assign(shop="a")))
    split = dd.from_pandas(panel, npartitions=3, sort=False)  # cuts series in two
    with pytest.raises(ValueError, match="more than one partition"):
        DaskRNNForecaster(**SETTINGS).fit(split)
    with pytest.raises(ValueError, match="NaN|missing"):
        bad = panel.copy()
        bad.loc[5, "y"] = np.nan
        DaskRNNForecaster(**SETTINGS).fit(to_dask(bad))


def make_covariate_panel(n_series=8, length=120, future=6, seed=0):
    """The panel of make_panel with a promotion that lifts y by 4, and ``future`` rows after
    each series (y missing, the promotion known). Returns (long frame, history frame)."""
    rng = np.random.default_rng(seed + 100)
    frames = []
    for _, g in make_panel(n_series, length + future, seed).groupby("unique_id"):
        g = g.assign(promo=(rng.random(len(g)) < 0.2).astype(float))
        g["y"] = g["y"] + 4 * g["promo"]
        g.loc[g.index[length:], "y"] = np.nan
        frames.append(g)
    df = pd.concat(frames, ignore_index=True)
    return df, df[df["y"].notna()].reset_index(drop=True)


def test_covariate_columns_match_the_local_estimator(client):
    df, history = make_covariate_panel()
    covariates = df[["unique_id", "ds", "promo"]]
    local = RNNForecaster(**SETTINGS).fit(history, covariates=covariates)
    one = DaskRNNForecaster(**SETTINGS).fit(to_dask(df, npartitions=1))
    assert one.covariates_ == ["promo"]
    # the scaling pooled from one partition is numpy's mean and std: the same model
    np.testing.assert_array_equal(one._series._cov_mean, local._cov_mean)
    np.testing.assert_array_equal(one._series._cov_scale, local._cov_scale)
    np.testing.assert_allclose(one.params_, local.params_, rtol=0, atol=1e-12)

    expected = local.predict(history, covariates=covariates)
    expected = expected.sort_values(["unique_id", "ds"])["y"].to_numpy()
    two = DaskRNNForecaster(**SETTINGS).fit(to_dask(df, npartitions=3))
    np.testing.assert_allclose(two._series._cov_mean, local._cov_mean, rtol=1e-12)
    np.testing.assert_allclose(two._series._cov_scale, local._cov_scale, rtol=1e-12)
    np.testing.assert_allclose(two.params_, local.params_, atol=1e-5)
    for model in (one, two):
        forecast = model.predict(to_dask(df)).compute().sort_values(["unique_id", "ds"])
        assert forecast["ds"].min() == history["ds"].max() + pd.Timedelta("1h")
        np.testing.assert_allclose(forecast["y"].to_numpy(), expected, rtol=1e-4, atol=1e-4)
    # the promotion is learned: the forecast moves with it
    lifted = df.assign(promo=np.where(df["y"].isna(), 1.0, df["promo"]))
    low = one.predict(to_dask(df.assign(promo=np.where(df["y"].isna(), 0.0, df["promo"]))))
    high = one.predict(to_dask(lifted))
    assert high.compute()["y"].mean() - low.compute()["y"].mean() > 0.5


def test_covariates_round_trip_and_partial_fit(client):
    df, history = make_covariate_panel()
    covariates = df[["unique_id", "ds", "promo"]]
    model = DaskRNNForecaster(**SETTINGS).fit(to_dask(df))
    on_cluster = model.predict(to_dask(df)).compute().sort_values(["unique_id", "ds"])
    local = model.to_local()
    after = local.predict(covariates=covariates).sort_values(["unique_id", "ds"])
    np.testing.assert_allclose(after["y"].to_numpy(), on_cluster["y"].to_numpy(), rtol=1e-6)
    back = DaskRNNForecaster.from_local(local)
    again = back.predict(to_dask(df)).compute().sort_values(["unique_id", "ds"])
    np.testing.assert_allclose(again["y"].to_numpy(), on_cluster["y"].to_numpy(), rtol=1e-6)

    steps = model.t_
    model.partial_fit(to_dask(make_covariate_panel(seed=1)[0]))
    assert model.t_ > steps
    with pytest.raises(ValueError, match="covariate columns"):
        model.partial_fit(to_dask(make_panel()))
    with pytest.raises(ValueError, match="covariate columns"):
        model.predict(to_dask(df.assign(price=1.0)))
    with pytest.raises(ValueError, match="horizon_ rows"):
        model.predict()
    short = df[df["ds"] < df["ds"].max() - pd.Timedelta("2h")]  # 3 future rows, not 6
    with pytest.raises(ValueError, match="no row"):
        model.predict(to_dask(short)).compute()
    with pytest.raises(ValueError, match="covariate columns"):
        DaskRNNForecaster(**SETTINGS).fit(to_dask(make_panel())).predict(to_dask(df))


def test_quantiles_and_intervals_on_dask_frames(client, panel, fitted):
    local = fitted.to_local()
    ddf = to_dask(panel)

    def ordered(frame):
        return frame.sort_values(["unique_id", "ds"]).reset_index(drop=True)

    for X, X_local in ((ddf, panel), (None, None)):
        q = fitted.predict_quantiles(X, [0.1, 0.5, 0.9])
        assert isinstance(q, dd.DataFrame) and list(q.columns) == ["unique_id", "ds", 0.1, 0.5, 0.9]
        q = ordered(q.compute())
        expected = ordered(local.predict_quantiles(X_local, [0.1, 0.5, 0.9]))
        np.testing.assert_allclose(q[[0.1, 0.5, 0.9]].to_numpy(),
                                   expected[[0.1, 0.5, 0.9]].to_numpy(), rtol=1e-6)  # fmt: skip
        assert (q[0.1] <= q[0.5]).all() and (q[0.5] <= q[0.9]).all()
        i = ordered(fitted.predict_interval(X, coverage=0.8).compute())
        assert list(i.columns) == ["unique_id", "ds", "lower", "upper"]
        np.testing.assert_allclose(i[["lower", "upper"]].to_numpy(), q[[0.1, 0.9]].to_numpy())
    # a quantile model: its own outputs, interpolated
    model = DaskRNNForecaster(**SETTINGS, quantiles=[0.1, 0.5, 0.9]).fit(ddf)
    got = ordered(model.predict_quantiles(ddf, [0.25, 0.75]).compute())
    want = ordered(model.to_local().predict_quantiles(panel, [0.25, 0.75]))
    np.testing.assert_allclose(got[[0.25, 0.75]].to_numpy(), want[[0.25, 0.75]].to_numpy(),
                               rtol=1e-6)  # fmt: skip
    with pytest.raises(ValueError, match="coverage"):
        fitted.predict_interval(ddf, coverage=1.5)
    with pytest.raises(ValueError):
        fitted.predict_quantiles(ddf, [0.0, 1.2])


def test_empty_partitions(client, panel):
    ddf = to_dask(panel, npartitions=4)
    ddf = ddf[ddf.index > "s01"]  # the first partition is left empty
    assert (ddf.map_partitions(len).compute() == 0).any()
    model = DaskRNNForecaster(**SETTINGS).fit(ddf)
    assert len(model.predict().compute()) == 6 * 6
    assert len(model.predict(ddf).compute()) == 6 * 6
    assert len(model.to_local().series_ids_) == 6


def test_failed_fit_leaves_a_fitted_model_as_it_was(fitted, panel):
    before = fitted.params_.copy()
    with pytest.raises(ValueError):
        fitted.partial_fit(to_dask(panel[panel["ds"] < panel["ds"].min() + pd.Timedelta("5h")]))
    np.testing.assert_array_equal(fitted.params_, before)


def test_grid_search_under_joblib_dask_backend(client):
    import joblib
    from sklearn.model_selection import GridSearchCV, TimeSeriesSplit

    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 8)).astype(np.float32)
    y = X[:, -1] * 0.5 + X[:, -2] * 0.2
    search = GridSearchCV(
        RNNForecaster(max_epochs=2, batch_size=32, random_state=0),
        {"hidden_size": [4, 8]}, cv=TimeSeriesSplit(2), n_jobs=2,
    )  # fmt: skip
    with joblib.parallel_backend("dask"):
        search.fit(X, y)
    assert search.best_params_["hidden_size"] in (4, 8)
    assert search.predict(X[:3]).shape == (3,)


def test_pretraining_on_the_cluster(client, tmp_path):
    from conftest import TINY_BASE

    from tsrnn._pretrain import pretrain

    run = TINY_BASE | {"windows": 256, "chunk": 64}
    # one part: the cluster computes the local steps exactly
    local = pretrain(tmp_path / "local1.tsrnn", parts=1, **run)
    cluster = pretrain(tmp_path / "cluster1.tsrnn", parts=1, scheduler=client, **run)
    np.testing.assert_array_equal(cluster.params_, local.params_)
    assert cluster.validation_scores_ == local.validation_scores_
    # four parts on the workers: the same data and steps, the gradient summed part by part
    local = pretrain(tmp_path / "local4.tsrnn", parts=4, **run)
    path = tmp_path / "cluster4.tsrnn"
    cluster = pretrain(path, parts=4, scheduler=client.scheduler.address, **run)
    np.testing.assert_allclose(cluster.params_, local.params_, atol=1e-5)
    assert cluster.pretraining_["settings"]["parts"] == 4
    piece = cluster.pretraining_["pieces"][0]
    assert piece["device"] == "dask" and piece["threads"] == 2 and "2 workers" in piece["machine"]
    # a run made on a cluster goes on on one machine, with its parts
    longer = pretrain(path, resume=True, **(run | {"windows": 384}))
    assert [p["device"] for p in longer.pretraining_["pieces"]] == ["dask", "cpu"]
    assert longer.pretraining_["windows_seen"] == 384


def test_pretrain_command_takes_a_scheduler_address(client, tmp_path):
    from tsrnn.__main__ import main

    path = tmp_path / "base.tsrnn"
    args = ["pretrain", "--out", str(path), "--windows", "128", "--chunk", "64",
            "--hidden-size", "4", "--window", "16", "--horizon", "4", "--batch-size", "32",
            "--verbose", "0", "--parts", "2", "--scheduler", client.scheduler.address]  # fmt: skip
    assert main(args) == 0
    info = RNNForecaster.load(path).pretraining_
    assert info["pieces"][0]["device"] == "dask" and info["settings"]["parts"] == 2


def test_time_ordered_split():
    import dask.array as da

    from tsrnn.dask import time_ordered_split

    X = np.arange(100 * 3).reshape(100, 3)
    y = np.arange(100)
    parts = time_ordered_split(da.from_array(X, chunks=30), da.from_array(y, chunks=30),
                               test_size=0.2, gap=5)  # fmt: skip
    X_train, X_test, y_train, y_test = (p.compute() for p in parts)
    np.testing.assert_array_equal(y_train, np.arange(75))
    np.testing.assert_array_equal(y_test, np.arange(80, 100))
    np.testing.assert_array_equal(X_test, X[80:])
    assert len(time_ordered_split(X, y, test_size=7)[1]) == 7
    with pytest.raises(ValueError, match="test_size"):
        time_ordered_split(X, y, test_size=1.5)
    with pytest.raises(ValueError, match="no training windows"):
        time_ordered_split(X, y, test_size=0.5, gap=50)
    unknown = da.from_array(X, chunks=30)[da.from_array(y, chunks=30) > 3]
    with pytest.raises(ValueError, match="compute_chunk_sizes"):
        time_ordered_split(unknown, y)


def _dask_ml_or_skip():
    from packaging.version import Version

    dask_ml = pytest.importorskip("dask_ml")
    if Version(dask.__version__) > Version("2025.1.99"):
        pytest.skip(f"dask-ml {dask_ml.__version__} fails inside its own code with dask "
                    f"{dask.__version__} (it was released with dask 2025.1)")  # fmt: skip


def test_dask_ml_incremental_and_hyperband_search(client):
    _dask_ml_or_skip()
    import dask.array as da
    from dask_ml.model_selection import HyperbandSearchCV
    from dask_ml.wrappers import Incremental

    from tsrnn.dask import TimeOrderedSplit

    rng = np.random.default_rng(0)
    t = np.arange(3000)
    series = np.sin(2 * np.pi * t / 24) + 0.1 * rng.normal(size=t.size)
    X = np.lib.stride_tricks.sliding_window_view(series[:-1], 24).astype(np.float32)
    y = series[24:].astype(np.float32)
    Xd, yd = da.from_array(X, chunks=(500, 24)), da.from_array(y, chunks=500)
    inc = Incremental(RNNForecaster(hidden_size=8, random_state=0), scoring="r2").fit(Xd, yd)
    assert inc.estimator_.n_iter_ == Xd.numblocks[0]  # one partial_fit a block
    assert inc.score(Xd, yd) > 0.3

    class Search(TimeOrderedSplit, HyperbandSearchCV):
        pass

    search = Search(RNNForecaster(hidden_size=8, random_state=0),
                    {"learning_rate": [1e-3, 1e-2]}, max_iter=3, random_state=0)  # fmt: skip
    search.fit(Xd, yd)
    assert search.best_params_["learning_rate"] in (1e-3, 1e-2)
    assert np.isfinite(search.best_score_)
