"""FID and KID: closed forms, streaming equal to one pass, merges across shards."""

import numpy as np
import pytest

from tfstyle.errors import InvalidArgumentError
from tfstyle.metrics import FeatureStatistics, VGGPooledFeatures, fid, frechet_distance, kid


def test_frechet_distance_of_two_gaussians_has_its_closed_form():
    # Diagonal covariances: ||mu_a - mu_b||^2 + sum (sqrt(a) - sqrt(b))^2.
    mu_a, mu_b = np.array([0.0, 1.0, 2.0]), np.array([1.0, 1.0, 0.0])
    var_a, var_b = np.array([1.0, 4.0, 9.0]), np.array([4.0, 1.0, 1.0])
    expected = 5.0 + (1 - 2) ** 2 + (2 - 1) ** 2 + (3 - 1) ** 2
    assert frechet_distance(mu_a, np.diag(var_a), mu_b, np.diag(var_b)) == pytest.approx(expected)
    # Non-commuting covariances: rotate one; the distance to itself stays 0.
    rng = np.random.default_rng(0)
    q, _ = np.linalg.qr(rng.normal(size=(3, 3)))
    cov = q @ np.diag(var_a) @ q.T
    assert frechet_distance(mu_a, cov, mu_a, cov) == pytest.approx(0.0, abs=1e-9)
    # Same spectrum, other eigenvectors: Tr(S_a S_b)^(1/2) is not the diagonal formula.
    other = frechet_distance(mu_a, cov, mu_a, np.diag(var_a))
    assert other > 0


def test_streamed_statistics_equal_one_pass_and_merge_across_shards():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(50, 4)) * [1, 2, 3, 4] + [5, 0, -1, 2]
    whole = FeatureStatistics().update(x)
    streamed = FeatureStatistics()
    for i in range(0, 50, 7):
        streamed.update(x[i : i + 7])
    shards = FeatureStatistics().update(x[:20]).merge(FeatureStatistics().update(x[20:]))
    for stats in (whole, streamed, shards):
        assert stats.count == 50
        np.testing.assert_allclose(stats.mean, x.mean(axis=0), rtol=1e-12)
        np.testing.assert_allclose(stats.covariance, np.cov(x, rowvar=False), rtol=1e-10)
    assert fid(whole, shards) == pytest.approx(0.0, abs=1e-8)


def test_fid_of_samples_approaches_the_gaussians_distance():
    rng = np.random.default_rng(2)
    a = FeatureStatistics(keep=0).update(rng.normal(size=(20000, 2)))
    b = FeatureStatistics(keep=0).update(rng.normal(size=(20000, 2)) * 2.0 + [3.0, 0.0])
    # ||(3, 0)||^2 + 2 (1 - 2)^2 = 11
    assert fid(a, b) == pytest.approx(11.0, rel=0.03)


def test_kept_features_are_a_bounded_sample_of_every_row():
    stats = FeatureStatistics(keep=30, seed=0)
    for i in range(10):
        stats.update(np.full((10, 2), float(i)))
    kept = stats.features
    assert kept.shape == (30, 2) and stats.count == 100
    # Rows from late batches replaced some of the first 30 (reservoir, not a prefix).
    assert kept[:, 0].max() > 2


def test_kid_is_near_zero_for_one_distribution_and_positive_between_two():
    rng = np.random.default_rng(3)
    a, b = rng.normal(size=(400, 8)), rng.normal(size=(400, 8))
    far = rng.normal(size=(400, 8)) + 1.0
    same_mean, same_std = kid(a, b, subsets=20, subset_size=200)
    far_mean, _ = kid(a, far, subsets=20, subset_size=200)
    identical_mean, _ = kid(a, a, subsets=20, subset_size=200)
    assert abs(same_mean) < 3 * same_std + 1e-3
    assert far_mean > 100 * max(abs(same_mean), 1e-4)
    assert abs(identical_mean) < 0.05 * far_mean
    with pytest.raises(InvalidArgumentError, match="at least 2"):
        kid(a[:1], b)


def test_statistics_refuse_too_few_images_and_mismatched_dimensions():
    with pytest.raises(InvalidArgumentError, match="at least 2"):
        _ = FeatureStatistics().update(np.zeros((1, 3))).covariance
    with pytest.raises(InvalidArgumentError, match="dimension"):
        FeatureStatistics().update(np.zeros((2, 3))).update(np.zeros((2, 4)))


def test_vgg_features_give_one_vector_per_image():
    net = VGGPooledFeatures(weights=None, architecture="vgg16", layer="relu2_2", size=32)
    features = net(np.random.default_rng(0).random((3, 20, 24, 3)))
    assert features.shape == (3, 128) and net.dim == 128


def test_inception_features_are_2048_wide_and_a_missing_file_is_one_clear_error():
    from tfstyle.errors import WeightsError
    from tfstyle.metrics import InceptionFeatures

    with pytest.raises(WeightsError, match="does not exist"):
        InceptionFeatures("/nonexistent/inception.h5")
    features = InceptionFeatures(weights=None)(np.zeros((2, 16, 16, 3), np.float32))
    assert features.shape == (2, 2048) and np.all(np.isfinite(features))
