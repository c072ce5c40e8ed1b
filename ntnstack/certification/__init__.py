"""Certification profiles: named sets of requirements (ntnstack/configs/certification/*.yaml) run by
ntnstack.runner and judged requirement by requirement, with the evidence of each verdict."""
from ntnstack.certification.profile import Profile, Requirement, load_profile, profile_names
from ntnstack.certification.run import Certification, Verdict, certify

__all__ = ["Certification", "Profile", "Requirement", "Verdict", "certify", "load_profile",
           "profile_names"]
