"""A PyTorch reference of SAGE-net's rSAGEnet and pSAGEnet, written from the architecture description
(shared/docs/SAGENET-REFERENCE.md §2.5), with module names chosen so that state_dict keys equal SAGE-net's:
conv0.1.weight, convlayers.0.0.running_var, convlayers.2._module.1.weight, dilated_convlayers.0._module.1.weight,
fc0.0.weight, fclayers.0.weight, ref_out.0.bias, diff_fclayers.0.weight, diff_out.0.weight; with
block_type="transformer" the last residual block is convlayers.{2(n-1)}._module.0.{1: LayerNorm, 2: TransformerEncoder}
(convlayers.6._module.0.2.layers.0.self_attn.in_proj_weight, ....norm2.bias).
Used only to make golden fixtures and to check round trips; sage-mpi never runs it."""
import math

import torch
from torch import nn

DEFAULTS = dict(input_len=40000, first_layer_kernel_number=900, int_layers_kernel_number=256,
                first_layer_kernel_size=10, int_layers_kernel_size=5, hidden_size=256, n_conv_blocks=5,
                n_dilated_conv_blocks=0, increasing_dilation=False, h_layers=1, pooling_size=10,
                pooling_type="avg", batch_norm=True, dropout=0.0, split_y_data=True, subtract_or_concat="subtract",
                block_type="conv")
# The model-size flags of the benchmark scripts, as `sage-mpi bench` spells them (defaults: the paper's p-SAGE-net).
SIZE_FLAGS = ("input_len", "first_layer_kernel_number", "int_layers_kernel_number", "int_layers_kernel_size",
              "hidden_size", "n_conv_blocks")


def add_size_arguments(ap):
    """--model and the SIZE_FLAGS (--input-len, ...) on an argparse parser."""
    ap.add_argument("--model", default="psagenet", choices=["psagenet", "rsagenet"])
    for name in SIZE_FLAGS:
        ap.add_argument("--" + name.replace("_", "-"), type=int, default=DEFAULTS[name])


def model_from_arguments(a, **extra):
    """The model the parsed size flags describe (extra: other hyperparameters, e.g. block_type)."""
    return (PSAGEnet if a.model == "psagenet" else RSAGEnet)(**{n: getattr(a, n) for n in SIZE_FLAGS}, **extra)


# Not a SAGE-net hyperparameter: the dropout of nn.TransformerEncoderLayer, which SAGE-net leaves at PyTorch's 0.1.
# The fixtures set 0 to compare training mode.
TRANSFORMER_DROPOUT = 0.1


def conv_block(cin, cout, k, dilation=1, batch_norm=True):
    """[BatchNorm1d(cin) or Identity] -> Conv1d(padding='same') -> ReLU (pre-norm)."""
    return nn.Sequential(nn.BatchNorm1d(cin) if batch_norm else nn.Identity(),
                         nn.Conv1d(cin, cout, k, padding="same", dilation=dilation), nn.ReLU())


class Permute21(nn.Module):
    def forward(self, x):
        return x.permute(0, 2, 1)


def transformer_block(n_filters, nhead, dropout=TRANSFORMER_DROPOUT):
    """Sequential(Sequential(Permute21, LayerNorm, TransformerEncoder(1 layer, ff 2x, ReLU, post-norm, batch_first),
    Permute21)): the doubly nested Sequential gives SAGE-net's names _module.0.1.* and _module.0.2.layers.0.*."""
    layer = nn.TransformerEncoderLayer(d_model=n_filters, nhead=nhead, dim_feedforward=2 * n_filters, dropout=dropout,
                                       batch_first=True)
    encoder = nn.TransformerEncoder(layer, num_layers=1, enable_nested_tensor=False)
    return nn.Sequential(nn.Sequential(Permute21(), nn.LayerNorm(n_filters), encoder, Permute21()))


class Residual(nn.Module):
    def __init__(self, module):
        super().__init__()
        self._module = module

    def forward(self, x):
        return x + self._module(x)


def pool(kind, size):
    return (nn.AvgPool1d if kind == "avg" else nn.MaxPool1d)(size, size, ceil_mode=True)


class Trunk(nn.Module):
    def __init__(self, h, conv0_batch_norm):
        super().__init__()
        F1, F = h["first_layer_kernel_number"], h["int_layers_kernel_number"]
        self.conv0 = conv_block(4, F1, h["first_layer_kernel_size"], batch_norm=conv0_batch_norm)
        layers = [conv_block(F1, F, h["int_layers_kernel_size"], batch_norm=h["batch_norm"]), pool(h["pooling_type"], h["pooling_size"])]
        for i in range(h["n_conv_blocks"] - 1):
            if i == h["n_conv_blocks"] - 2 and h["block_type"] == "transformer":
                block = transformer_block(F, h["int_layers_kernel_size"], h.get("transformer_dropout", TRANSFORMER_DROPOUT))
            else:
                block = conv_block(F, F, h["int_layers_kernel_size"], batch_norm=h["batch_norm"])
            layers += [Residual(block), pool(h["pooling_type"], h["pooling_size"])]
        self.convlayers = nn.Sequential(*layers)
        self.dilated_convlayers = nn.Sequential(*[
            Residual(conv_block(F, F, h["int_layers_kernel_size"], dilation=2 ** (i + 1) if h["increasing_dilation"] else 2, batch_norm=h["batch_norm"]))
            for i in range(h["n_dilated_conv_blocks"])])
        L = h["input_len"]
        for _ in range(h["n_conv_blocks"]):
            L = math.ceil(L / h["pooling_size"])
        self.fc_dim = L
        self.fc0 = nn.Sequential(nn.Linear(L * F, h["hidden_size"]), nn.ReLU())

    def features(self, x):
        return self.fc0(torch.flatten(self.dilated_convlayers(self.convlayers(self.conv0(x))), 1))


def mlp(h, first_in):
    layers = []
    for i in range(h["h_layers"]):
        layers += [nn.Linear(first_in if i == 0 else h["hidden_size"], h["hidden_size"]), nn.ReLU(), nn.Dropout(h["dropout"])]
    return nn.Sequential(*layers)


class RSAGEnet(Trunk):
    def __init__(self, **kw):
        h = {**DEFAULTS, **kw}
        super().__init__(h, conv0_batch_norm=h["batch_norm"])
        self.fclayers = mlp(h, h["hidden_size"])
        self.ref_out = nn.Sequential(nn.Linear(h["hidden_size"], 1))

    def forward(self, x):  # (B, 4, L) -> (B, 1)
        return self.ref_out(self.fclayers(self.features(x)))


class PSAGEnet(Trunk):
    def __init__(self, **kw):
        h = {**DEFAULTS, **kw}
        super().__init__(h, conv0_batch_norm=False)
        self.h = h
        self.fclayers = mlp(h, h["hidden_size"])
        self.ref_out = nn.Sequential(nn.Linear(h["hidden_size"], 1))
        concat = h["split_y_data"] and h["subtract_or_concat"] == "concat"
        self.diff_fclayers = mlp(h, 2 * h["hidden_size"] if concat else h["hidden_size"])
        self.diff_out = nn.Sequential(nn.Linear(h["hidden_size"], 1))

    def forward(self, ref, mat, pat):  # each (B, 4, L) -> (B, 2)
        # The trunk runs three separate times (three batch-norm batches), as SAGE-net does.
        r_flat = torch.flatten(self.dilated_convlayers(self.convlayers(self.conv0(ref))), 1)
        m_flat = torch.flatten(self.dilated_convlayers(self.convlayers(self.conv0(mat))), 1)
        p_flat = torch.flatten(self.dilated_convlayers(self.convlayers(self.conv0(pat))), 1)
        r = self.fc0(r_flat)
        p = self.fc0((m_flat + p_flat) / 2)
        if not self.h["split_y_data"]:
            d = p
        elif self.h["subtract_or_concat"] == "subtract":
            d = p - r
        else:
            d = torch.cat([p, r], 1)
        return torch.cat([self.ref_out(self.fclayers(r)), self.diff_out(self.diff_fclayers(d))], 1)
