"""reograd.compat: unmodified PyTorch scripts run on reograd, via `python -m reograd.compat` and via
`reograd.compat.install()`; the notes' own snippets run the same way.

Every run is a subprocess: installing the aliases changes `sys.modules` for the whole process, and
the parity tests of the rest of the suite need the real torch.
"""
import os
import subprocess
import sys
import textwrap

import pytest

import reograd.compat as compat

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def run_py(args, cwd, timeout=120):
    env = dict(os.environ)
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    env.setdefault("OMP_NUM_THREADS", "1")
    return subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


def _run(tmp_path, source, *args, via="module"):
    path = tmp_path / "script.py"
    source = textwrap.dedent(source)
    if via == "install":
        source = "import reograd.compat\nreograd.compat.install()\n" + source
    path.write_text(source)
    cmd = ["-m", "reograd.compat", str(path), *args] if via == "module" else [str(path), *args]
    proc = run_py(cmd, cwd=tmp_path)
    assert proc.returncode == 0, f"script failed ({via}):\nSTDOUT:\n{proc.stdout}\nSTDERR:\n{proc.stderr}"
    return proc.stdout


TUTORIAL = """
    import sys
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
    import torch.optim as optim
    from torch.utils.data import DataLoader, TensorDataset

    torch.manual_seed(0)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")


    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 16))
            self.fc = nn.Linear(16, 3)

        def forward(self, x):
            return self.fc(F.relu(self.body(x)))


    centers = torch.tensor([[0.0, 3.0], [-3.0, -2.0], [3.0, -2.0]])
    X = torch.cat([c + 0.7 * torch.randn(100, 2) for c in centers])
    y = torch.arange(3).repeat_interleave(100)
    loader = DataLoader(TensorDataset(X, y), batch_size=32, shuffle=True)

    model = Net().to(device)
    optimizer = optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    criterion = nn.CrossEntropyLoss()
    losses = []
    for epoch in range(5):
        model.train()
        running = 0.0
        for xb, yb in loader:
            xb, yb = xb.to(device), yb.to(device)
            optimizer.zero_grad()
            loss = criterion(model(xb), yb)
            loss.backward()
            optimizer.step()
            running += loss.item() * xb.size(0)
        losses.append(running / len(loader.dataset))
        print(f"epoch {epoch}: loss {losses[-1]:.4f}")

    model.eval()
    with torch.no_grad():
        acc = (model(X).argmax(dim=1) == y).float().mean().item()
    print(f"accuracy {acc:.3f}")

    torch.save(model.state_dict(), sys.argv[1])
    model2 = Net()
    model2.load_state_dict(torch.load(sys.argv[1]))
    model2.eval()
    with torch.no_grad():
        print("reloaded equal", torch.equal(model2(X), model(X)))
    print("torch is", torch.__name__, "| argv", sys.argv[1:])
"""


def _check_tutorial(out):
    losses = [float(line.split("loss ")[1]) for line in out.splitlines() if line.startswith("epoch ")]
    assert len(losses) == 5
    assert losses[-1] < 0.5 * losses[0], losses          # the loss decreases
    acc = float(out.split("accuracy ")[1].split()[0])
    assert acc >= 0.95
    assert "reloaded equal True" in out
    assert "torch is reograd" in out


def test_tutorial_script_via_python_m_reograd_compat(tmp_path):
    out = _run(tmp_path, TUTORIAL, str(tmp_path / "w.pt"), via="module")
    _check_tutorial(out)
    assert f"argv ['{tmp_path / 'w.pt'}']" in out


def test_tutorial_script_via_install(tmp_path):
    _check_tutorial(_run(tmp_path, TUTORIAL, str(tmp_path / "w.pt"), via="install"))


def test_aliases_are_the_reograd_modules(tmp_path):
    out = _run(tmp_path, """
        import sys, reograd
        import torch, torch.nn as nn, torch.nn.functional as F, torch.nn.init as init
        import torch.optim as optim, torch.optim.lr_scheduler as sched, torch.autograd, torch.linalg
        import torch.utils.data, torch.cuda
        from torch.nn.utils import clip_grad_norm_
        import torch.nn.modules.linear as lin_mod
        assert torch is reograd and nn is reograd.nn and F is reograd.nn.functional and init is reograd.nn.init
        assert optim is reograd.optim and sched is reograd.optim.lr_scheduler
        assert torch.autograd is reograd.autograd and torch.linalg is reograd.linalg
        assert torch.utils.data is reograd.utils.data and torch.cuda is reograd.cuda
        # one copy of each module: no reograd module loaded a second time under a torch name
        assert lin_mod is sys.modules["reograd.nn.modules.linear"]
        assert torch.Tensor is reograd.Tensor and torch.no_grad is reograd.no_grad
        assert isinstance(torch.float32, reograd.dtype) and torch.device("cpu").type == "cpu"
        assert torch.cuda.is_available() == (reograd.backend.cupy_module() is not None)
        if not torch.cuda.is_available():
            assert torch.cuda.device_count() == 0
            torch.cuda.manual_seed_all(0)
        print("ok")
    """)
    assert out.strip() == "ok"


def test_torchvision_and_torchviz_map_to_reograd(tmp_path):
    out = _run(tmp_path, """
        import importlib
        for alias, target in [("torchvision", "reograd.vision"), ("torchviz", "reograd.viz"),
                              ("torchvision.transforms", "reograd.vision.transforms")]:
            try:
                real = importlib.import_module(target)
            except ImportError:
                real = None
            try:
                mod = importlib.import_module(alias)
            except ModuleNotFoundError as e:
                assert real is None and target in str(e), str(e)
                print(alias, "missing-clear")
            else:
                assert mod is real
                print(alias, "ok")
    """)
    assert len(out.splitlines()) == 3 and all(line.endswith(("ok", "missing-clear")) for line in out.splitlines())


def test_install_uninstall_restores_real_torch(tmp_path):
    pytest.importorskip("torch")
    out = _run(tmp_path, """
        import sys
        import torch as real
        import reograd, reograd.compat as compat
        assert compat.install() is reograd and compat.is_installed()
        import torch
        assert torch is reograd and sys.modules["torch.nn"] is reograd.nn
        compat.install()  # idempotent
        compat.uninstall()
        import torch
        assert torch is real and sys.modules["torch"] is real and not compat.is_installed()
        print("ok")
    """, via="plain")
    assert out.strip() == "ok"


def test_target_of_mapping():
    assert compat.target_of("torch") == "reograd"
    assert compat.target_of("torch.nn.functional") == "reograd.nn.functional"
    assert compat.target_of("torchvision.datasets") == "reograd.vision.datasets"
    assert compat.target_of("torchviz") == "reograd.viz"
    assert compat.target_of("numpy") is None and compat.target_of("torchaudio") is None


def test_compat_main_usage_errors(tmp_path):
    proc = run_py(["-m", "reograd.compat"], cwd=tmp_path)
    assert proc.returncode == 2 and "usage" in proc.stderr
    proc = run_py(["-m", "reograd.compat", "nope.py"], cwd=tmp_path)
    assert proc.returncode == 2 and "nope.py" in proc.stderr
    (tmp_path / "boom.py").write_text("import torch\nraise SystemExit(3)\n")
    assert run_py(["-m", "reograd.compat", "boom.py"], cwd=tmp_path).returncode == 3


def test_compat_runs_a_module_with_dash_m(tmp_path):
    (tmp_path / "mymod.py").write_text("import sys, torch\nprint(torch.__name__, sys.argv[1:])\n")
    proc = run_py(["-m", "reograd.compat", "-m", "mymod", "x"], cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "reograd ['x']"


# ------------------------------------------------------------------------------------------
# the notes' own snippets (seeds/000 and 001: CS909 slides 27, 28 and 79), run through compat
# ------------------------------------------------------------------------------------------
def test_notes_snippet_autodiff_example(tmp_path):
    """Slide 27, verbatim: e = (a+b)*(b+1); a.grad = 2, b.grad = 5; make_dot(e) from torchviz."""
    try:
        import reograd.viz  # noqa: F401
        tail = "g = make_dot(e)\nprint('graph', type(g).__name__)\n"
        head = "from torchviz import make_dot\n"
    except ImportError:  # the drawing module is not there: run the rest of the slide
        tail, head = "", ""
    out = _run(tmp_path, "import torch\nimport numpy as np\n" + head + textwrap.dedent("""
        a = torch.from_numpy(np.array([2.0])); a.requires_grad_(True)
        b = torch.from_numpy(np.array([1.0])); b.requires_grad_(True)
        e = (a+b)*(b+1)
        e.backward()
        print(a.grad) # 2
        print(b.grad) # 5
    """) + tail)
    lines = out.splitlines()
    assert lines[0].startswith("tensor([2.]") and lines[1].startswith("tensor([5.]")


def test_notes_snippet_two_layer_network(tmp_path):
    """Slide 28: a 2-2-1 sigmoid network, manual gradient descent, then the built-in optimizer.

    The slide gives the fragments; x, y (XOR), loss_fn, learning_rate and the loops are filled in."""
    out = _run(tmp_path, """
        import torch
        torch.manual_seed(3)  # 2-2-1 XOR nets stall in a local minimum (loss 0.125) for about half the seeds
        device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
        x = torch.tensor([[0., 0.], [0., 1.], [1., 0.], [1., 1.]], device=device)
        y = torch.tensor([[0.], [1.], [1.], [0.]], device=device)
        loss_fn = torch.nn.MSELoss()
        learning_rate = 0.5

        model = torch.nn.Sequential(
                  torch.nn.Linear(2, 2),
                  torch.nn.Sigmoid(),
                  torch.nn.Linear(2, 1),
                  torch.nn.Sigmoid()
                ).to(device)

        # manual gradient descent
        for it in range(200):
            z = model(x)
            e = loss_fn(z, y)
            model.zero_grad()
            e.backward()
            with torch.no_grad():
                for param in model.parameters():
                    param.data -= learning_rate * param.grad
        print("manual", e.item())
        first = e.item()

        # using the built-in optimizer
        optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
        for it in range(1500):
            z = model(x)
            e = loss_fn(z, y)
            model.zero_grad()
            e.backward()
            optimizer.step()
        print("adam", e.item())
        print("pred", (model(x) > 0.5).int().flatten().tolist())
    """)
    vals = dict(line.split(" ", 1) for line in out.splitlines())
    assert float(vals["adam"]) < float(vals["manual"]) and float(vals["adam"]) < 0.2
    if float(vals["adam"]) < 0.01:  # solved (not stuck in the local minimum): the XOR truth table
        assert vals["pred"] == "[0, 1, 1, 0]"


def test_notes_snippet_learn_a_filter(tmp_path):
    """Slide 79: learn a 3x3 convolution filter with Adam (the image X and target T come from the slide
    before: a Laplacian-filtered image; here a small random image, and 300 steps instead of 1000)."""
    out = _run(tmp_path, """
        import torch
        import torch.nn as nn
        import numpy as np
        class Filter(nn.Module):
          def __init__(self, ksize = 3):
            super(Filter, self).__init__()
            self.conv1 = nn.Conv2d(1,1, ksize) #torch allows creating a convolution filter using a conv2d layer
          def forward(self, x):
            x = self.conv1(x) #perform convolution
            x = torch.tanh(x) #apply activation
            return x
        # the image and its target (slide 74's Laplacian filter, squashed like the model's output)
        torch.manual_seed(0)
        rng = np.random.default_rng(0)
        X = rng.random((24, 24))
        K = np.array([[0 ,1, 0],[1,-4,1], [0, 1 ,0]])/4.0
        H = sum(K[i, j] * X[i:i + 22, j:j + 22] for i in range(3) for j in range(3))
        T = np.zeros_like(X); T[1:-1, 1:-1] = np.tanh(H)
        # let's use a convolution filter of size ksize
        ksize = 3
        bsize = int(ksize/2) #size of broder region
        f = Filter(ksize)
        optimizer = torch.optim.Adam(f.parameters(), lr=1e-2)
        T_torch = torch.from_numpy(T[bsize:-bsize,bsize:-bsize]).float()# reduce target filter size
        X_torch = torch.from_numpy(X).float().unsqueeze(0).unsqueeze(0) #convert image to NCHW from HW
        L = []
        for _ in range(300):
          optimizer.zero_grad() #optimization
          Z_torch = f(X_torch).squeeze()
          loss = torch.sum(torch.abs((T_torch-Z_torch)**2)) #error
          loss.backward()
          optimizer.step()
          L.append(loss.item())
        output = Z_torch.squeeze().detach().numpy()
        print(L[0], L[-1])
        print(np.round(f.conv1.weight.detach().numpy().squeeze() * 4, 1).tolist())
    """)
    first, last = map(float, out.splitlines()[0].split())
    assert last < 0.05 * first
