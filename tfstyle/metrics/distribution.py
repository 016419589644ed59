"""Distances between sets of images: FID (Heusel et al., 2017) and KID (Binkowski et
al., 2018) on the features of a pluggable network (`tfstyle.metrics.feature_networks`).

Both are streamed: `FeatureStatistics` adds batches of features into float64 sums
(count, sum, sum of outer products), so a set of any size is one pass, and two
statistics merge exactly (`merge`): per replica, per worker or per shard, then summed.
KID needs the features themselves (its kernel is over pairs); they are kept up to
`max_kept` rows (a uniform reservoir sample beyond that).
"""

import numpy as np

from tfstyle.errors import InvalidArgumentError


class FeatureStatistics:
    """Streamed mean and covariance of (N, D) features, mergeable across replicas.

    Args:
        keep: keep up to this many feature rows for KID (0: none; FID only).
        seed: the reservoir sampler's seed once more than `keep` rows were seen.
    """

    def __init__(self, keep=10_000, seed=0):
        self.keep = int(keep)
        self.count = 0
        self._sum = None
        self._outer = None
        self._kept = []
        self._kept_rows = 0
        self._rng = np.random.default_rng(seed)

    def update(self, features):
        """Adds a batch of features (B, D) (NumPy or tensors)."""
        x = np.asarray(features, np.float64)
        if x.ndim != 2:
            raise InvalidArgumentError(f"features must be (batch, dim), got shape {x.shape}")
        if self._sum is None:
            self._sum = np.zeros(x.shape[1])
            self._outer = np.zeros((x.shape[1], x.shape[1]))
        elif x.shape[1] != self._sum.shape[0]:
            raise InvalidArgumentError(
                f"features of dimension {x.shape[1]} added to statistics of dimension "
                f"{self._sum.shape[0]}"
            )
        self._sum += x.sum(axis=0)
        self._outer += x.T @ x
        self._keep_rows(x.astype(np.float32))
        self.count += x.shape[0]
        return self

    def _keep_rows(self, x):
        if not self.keep:
            return
        seen = self.count  # rows seen before this batch
        room = self.keep - self._kept_rows
        if room > 0:
            head = x[:room]
            self._kept.append(head)
            self._kept_rows += len(head)
            x, seen = x[len(head) :], seen + len(head)
        if len(x):  # reservoir sampling (Algorithm R) over the rows beyond `keep`
            kept = self.features
            for i, row in enumerate(x):
                j = int(self._rng.integers(0, seen + i + 1))
                if j < self.keep:
                    kept[j] = row
            self._kept = [kept]

    def merge(self, other):
        """Adds another statistics' sums (another replica, worker or shard) into these."""
        if other.count == 0:
            return self
        if self.count == 0:
            self._sum, self._outer = other._sum.copy(), other._outer.copy()
        else:
            if other._sum.shape != self._sum.shape:
                raise InvalidArgumentError("cannot merge statistics of different dimensions")
            self._sum += other._sum
            self._outer += other._outer
        if self.keep and other._kept_rows:
            rows = np.concatenate([self.features, other.features])
            if len(rows) > self.keep:
                rows = rows[np.sort(self._rng.choice(len(rows), self.keep, replace=False))]
            self._kept, self._kept_rows = [rows], len(rows)
        self.count += other.count
        return self

    @property
    def features(self):
        """The kept feature rows (n, D), float32."""
        if not self._kept:
            return np.zeros((0, 0 if self._sum is None else self._sum.shape[0]), np.float32)
        return np.concatenate(self._kept)

    @property
    def mean(self):
        self._need(1)
        return self._sum / self.count

    @property
    def covariance(self):
        """The unbiased sample covariance (N - 1 in the denominator, as numpy.cov)."""
        self._need(2)
        mean = self.mean
        return (self._outer - self.count * np.outer(mean, mean)) / (self.count - 1)

    def _need(self, n):
        if self.count < n:
            raise InvalidArgumentError(
                f"statistics of {self.count} images; at least {n} are needed"
            )


def frechet_distance(mean_a, cov_a, mean_b, cov_b):
    """||mu_a - mu_b||^2 + Tr(S_a + S_b - 2 (S_a S_b)^(1/2)) of two Gaussians.

    Tr((S_a S_b)^(1/2)) is taken from the eigenvalues of S_a^(1/2) S_b S_a^(1/2), which
    has the same spectrum as S_a S_b and is symmetric, so the square root is exact
    (no complex parts to drop, as with scipy.linalg.sqrtm).
    """
    mean_a, mean_b = np.asarray(mean_a, np.float64), np.asarray(mean_b, np.float64)
    cov_a, cov_b = np.asarray(cov_a, np.float64), np.asarray(cov_b, np.float64)
    values, vectors = np.linalg.eigh((cov_a + cov_a.T) / 2)
    root_a = (vectors * np.sqrt(np.clip(values, 0.0, None))) @ vectors.T
    middle = root_a @ cov_b @ root_a
    trace_root = np.sum(np.sqrt(np.clip(np.linalg.eigvalsh((middle + middle.T) / 2), 0, None)))
    diff = mean_a - mean_b
    return float(diff @ diff + np.trace(cov_a) + np.trace(cov_b) - 2.0 * trace_root)


def fid(stats_a, stats_b):
    """The Frechet distance between two `FeatureStatistics`."""
    return frechet_distance(stats_a.mean, stats_a.covariance, stats_b.mean, stats_b.covariance)


def kid(features_a, features_b, subsets=100, subset_size=1000, seed=0):
    """Kernel distance: the unbiased MMD^2 with the cubic polynomial kernel
    k(x, y) = (x.y / D + 1)^3, averaged over `subsets` random subsets of
    min(`subset_size`, n_a, n_b) rows of each set. Returns (mean, std) over subsets."""
    a = np.asarray(getattr(features_a, "features", features_a), np.float64)
    b = np.asarray(getattr(features_b, "features", features_b), np.float64)
    m = min(subset_size, len(a), len(b))
    if m < 2:
        raise InvalidArgumentError(
            f"KID needs at least 2 images in each set, got {len(a)} and {len(b)}"
        )
    if a.shape[1] != b.shape[1]:
        raise InvalidArgumentError(f"KID of features of dimension {a.shape[1]} and {b.shape[1]}")
    dim = a.shape[1]
    rng = np.random.default_rng(seed)
    values = []
    for _ in range(subsets):
        x = a[rng.choice(len(a), m, replace=False)]
        y = b[rng.choice(len(b), m, replace=False)]
        k_xx = (x @ x.T / dim + 1.0) ** 3
        k_yy = (y @ y.T / dim + 1.0) ** 3
        k_xy = (x @ y.T / dim + 1.0) ** 3
        within = (k_xx.sum() - np.trace(k_xx) + k_yy.sum() - np.trace(k_yy)) / (m * (m - 1))
        values.append(within - 2.0 * k_xy.mean())
    return float(np.mean(values)), float(np.std(values))
