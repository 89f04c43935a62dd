"""Where a container's user can create files on Fargate, from its task definition and its image.

The rules, as AWS and the image's base document them (quoted, with their URLs, in
tests/fixtures/plugin_image/writable.json):
- With ReadonlyRootFilesystem nothing of the image is writable, for any user.
- A task volume with only a name is a bind mount on the task's ephemeral storage; it hides the
  image's directory at the mount's ContainerPath. "By default, the volume permissions are set to
  0755 and the owner as root. You can customize these permissions in the Dockerfile": when the
  image declares a VOLUME at exactly that path, ECS copies the image's directory into the volume,
  as the Dockerfile left it (bind-mounts.html: "To expose files from a Dockerfile to a data volume
  when a task is run, ..."). Fargate has no tmpfs.
- Anywhere else a directory is as the image's Dockerfile, and the base image under it, made it.
- root creates files in any directory that is not read-only; another user in a directory it owns
  with the owner's write bit, or one that is writable by others.

An image is read from Dockerfile instructions, for the directories a test watches: a RUN, COPY or
WORKDIR that does anything else to one of them than this module understands raises, rather than
guess. Build steps that change a directory after a VOLUME declared it do not reach the image: the
legacy builder discards them, BuildKit keeps them (https://docs.docker.com/reference/dockerfile/#volume,
"Changing the volume from within the Dockerfile"); the model takes the stricter of the two.
"""

import json
import posixpath
import re
import shlex
from dataclasses import dataclass, field, replace
from pathlib import Path

FACTS = json.loads((Path(__file__).parent / "fixtures" / "plugin_image" / "writable.json").read_text())
ROOT_UID = 0


def _bind_mount() -> "Directory":
    owner_and_mode = re.search(r"set to (\d{4}) and the owner as (\w+)", FACTS["fargate_bind_mount"]["quote"])
    mode, owner = owner_and_mode.groups()
    assert owner == "root"
    return Directory(owner=ROOT_UID, mode=int(mode, 8))


@dataclass(frozen=True)
class Directory:
    owner: int
    mode: int

    def writable_by(self, uid: int) -> bool:
        return uid == ROOT_UID or (uid == self.owner and bool(self.mode & 0o200)) or bool(self.mode & 0o002)


@dataclass(frozen=True)
class Image:
    users: dict[str, int]  # name -> uid
    user: int  # the uid it runs as (USER)
    directories: dict[str, Directory]  # the watched directories, as the image leaves them
    volumes: tuple[str, ...] = field(default=())


BIND_MOUNT = _bind_mount()


def alpine(watched: set[str]) -> Image:
    """An alpine base image: root, and /tmp as alpine-baselayout installs it (owner root)."""
    mode = re.search(r"install -d -m (\d+) \"\$pkgdir\"/tmp\b", FACTS["alpine_tmp"]["quote"]).group(1)
    unknown = watched - {"/tmp"}
    assert not unknown, f"the base image facts say nothing of {unknown}"
    return Image(users={"root": ROOT_UID}, user=ROOT_UID, directories={"/tmp": Directory(ROOT_UID, int(mode, 8))})


def instructions(lines) -> list[tuple[str, str]]:
    """(KEYWORD, argument) of each instruction, continuation lines joined, comments left out."""
    joined, found = "", []
    for line in lines:
        if line.lstrip().startswith("#") or not line.strip():
            continue
        joined += line.rstrip()
        if joined.endswith("\\"):
            joined = joined[:-1] + " "
            continue
        keyword, _, argument = joined.strip().partition(" ")
        found.append((keyword.upper(), argument.strip()))
        joined = ""
    return found


def _mentions(text: str, path: str) -> bool:
    return re.search(rf"(?<![\w.-]){re.escape(path)}(?![\w.-])", text) is not None


def _adduser(words: list[str]) -> tuple[str, int]:
    """busybox ``adduser [-u UID] [-G GROUP] [-h HOME] [-s SHELL] [-g GECOS] [-SDH] NAME``."""
    with_value = {"-u", "-G", "-h", "-s", "-g", "-k"}
    uid, name, index = None, None, 1
    while index < len(words):
        word = words[index]
        if word in with_value:
            if word == "-u":
                uid = int(words[index + 1])
            index += 2
            continue
        if not word.startswith("-") and name is None:
            name = word
        index += 1
    return name, uid


def _run(image: Image, command: str, watched: set[str]) -> Image:
    for part in re.split(r"&&|;|\|\|", command):
        words = shlex.split(part)
        if not words:
            continue
        if words[0] == "adduser":
            name, uid = _adduser(words)
            image = replace(image, users={**image.users, name: uid})
            continue
        targets = [path for path in watched if any(_mentions(word, path) for word in words)]
        if not targets:
            continue
        if words[0] not in ("chown", "chmod"):
            raise ValueError(f"RUN {part.strip()!r} changes {targets} in a way this model does not know")
        spec, *paths = [word for word in words[1:] if not word.startswith("-")]
        for path in set(paths) & watched:
            if path in image.volumes:
                continue  # after VOLUME: discarded
            directory = image.directories[path]
            if words[0] == "chown":
                owner = spec.split(":")[0]
                directory = replace(directory, owner=int(owner) if owner.isdigit() else image.users[owner])
            else:
                if not re.fullmatch(r"[0-7]{3,4}", spec):
                    raise ValueError(f"chmod {spec}: only octal modes are modelled")
                directory = replace(directory, mode=int(spec, 8))
            image = replace(image, directories={**image.directories, path: directory})
    return image


def build(steps: list[tuple[str, str]], base: Image, watched: set[str]) -> Image:
    """The image that ``steps`` (after their FROM) make of ``base``, for the ``watched`` directories."""
    image = base
    for keyword, argument in steps:
        if keyword == "FROM":
            continue  # the caller gives the base
        if keyword == "USER":
            name = argument.split(":")[0]
            image = replace(image, user=int(name) if name.isdigit() else image.users[name])
        elif keyword == "VOLUME":
            paths = json.loads(argument) if argument.startswith("[") else argument.split()
            image = replace(image, volumes=image.volumes + tuple(paths))
        elif keyword == "RUN":
            image = _run(image, argument, watched)
        elif keyword in ("COPY", "ADD", "WORKDIR"):
            destination = shlex.split(argument)[-1].rstrip("/") or "/"
            if any(is_under(destination, path) or is_under(path, destination) for path in watched):
                raise ValueError(f"{keyword} {argument!r} writes over a watched directory")
        elif any(_mentions(argument, path) for path in watched):
            raise ValueError(f"{keyword} {argument!r} names a watched directory")
    return image


def is_under(path: str, directory: str) -> bool:
    return path == directory or path.startswith(directory.rstrip("/") + "/")


def user_of(container: dict, image: Image) -> int:
    user = container.get("User")
    if user is None:
        return image.user
    name = str(user).split(":")[0]
    return int(name) if name.isdigit() else image.users[name]


def can_create(path: str, *, container: dict, volumes: list[dict], image: Image) -> bool:
    """Whether the container's user can create the file ``path``."""
    directory, uid = posixpath.dirname(path), user_of(container, image)
    mounts = [mount for mount in container.get("MountPoints", []) if is_under(directory, mount["ContainerPath"])]
    if mounts:
        mount = max(mounts, key=lambda found: len(found["ContainerPath"]))
        (volume,) = [volume for volume in volumes if volume["Name"] == mount["SourceVolume"]]
        if set(volume) != {"Name"}:
            raise ValueError(f"only task volumes with a name alone (bind mounts) are modelled, not {volume}")
        if mount.get("ReadOnly"):
            return False
        if directory != mount["ContainerPath"]:
            raise ValueError(f"{path} is below the mount {mount['ContainerPath']}: not modelled")
        copied = mount["ContainerPath"] in image.volumes
        return (image.directories[directory] if copied else BIND_MOUNT).writable_by(uid)
    if container.get("ReadonlyRootFilesystem"):
        return False
    return image.directories[directory].writable_by(uid)
