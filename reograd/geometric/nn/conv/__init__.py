"""Message-passing layers with PyTorch Geometric's names (``torch_geometric.nn.conv``)."""
from .edge_conv import EdgeConv
from .gat_conv import GATConv
from .gatv2_conv import GATv2Conv
from .gcn_conv import GCNConv
from .gin_conv import GINConv, GINEConv
from .graph_conv import GraphConv
from .message_passing import MessagePassing
from .nn_conv import NNConv
from .sage_conv import SAGEConv
from .transformer_conv import TransformerConv

__all__ = ["MessagePassing", "GCNConv", "GraphConv", "SAGEConv", "GINConv", "GINEConv", "GATConv", "GATv2Conv",
           "EdgeConv", "NNConv", "TransformerConv"]
