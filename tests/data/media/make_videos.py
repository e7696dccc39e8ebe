"""Make the two tiny real videos of this folder (a slow pan over the real photo) with PyAV: H.264 MP4 and VP8 WebM.

Run once by hand (`pip install av` in a scratch virtualenv; PyAV is not a dependency of Balise):
    python make_videos.py photo_720x477_verify_photoshop-exif.jpg video_2s_320x180_h264_DERIVED.mp4 video_2s_320x180_vp8_DERIVED.webm
"""
import sys
import av
import numpy as np
from PIL import Image

photo = Image.open(sys.argv[1]).convert("RGB")  # 720x477
W, H, FPS, SECONDS = 320, 180, 10, 2
frames = []
for i in range(FPS * SECONDS):
    x = int(i * (photo.width - 480) / (FPS * SECONDS - 1))
    crop = photo.crop((x, 60, x + 480, 60 + 270)).resize((W, H), Image.Resampling.LANCZOS)
    frames.append(np.asarray(crop))

def write(path, fmt, codec, opts):
    with av.open(path, "w", format=fmt) as out:
        stream = out.add_stream(codec, rate=FPS)
        stream.width, stream.height, stream.pix_fmt = W, H, "yuv420p"
        stream.options = opts
        for arr in frames:
            for packet in stream.encode(av.VideoFrame.from_ndarray(arr, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)

write(sys.argv[2], "mp4", "libx264", {"crf": "30", "preset": "veryslow", "profile": "baseline", "movflags": "+faststart"})
write(sys.argv[3], "webm", "libvpx", {"crf": "30", "b": "200k"})
